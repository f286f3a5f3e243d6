provider "tencentcloud" {
  region   = "ap-guangzhou"
  endpoint = "http://10.20.30.40:4566"
}

provider "alicloud" {
  alias    = "local"
  region   = "cn-hangzhou"
  endpoint = "http://127.0.0.1:4566"
}
