variable "path" {
  default = "state.json"
}

snapform {
  backend "local" {
    path = var.path
  }
}
