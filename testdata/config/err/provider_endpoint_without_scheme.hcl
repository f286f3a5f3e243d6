provider "tencentcloud" {
  region   = "ap-guangzhou"
  endpoint = "127.0.0.1:4566"
}
