snapform {
  backend "s3" {
    bucket = "state"
  }
}
