provider "tencentcloud" {
  region = "ap-guangzhou"
}

provider "tencentcloud" {
  region = "ap-shanghai"
}
