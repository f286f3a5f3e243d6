provider "tencentcloud" {
  region     = "ap-guangzhou"
  rate_limit = 0
}
