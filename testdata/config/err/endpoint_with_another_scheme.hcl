provider "tencentcloud" {
  region   = "ap-guangzhou"
  endpoint = "ftp://cbs.example.com"
}
