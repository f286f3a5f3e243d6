provider "tencent" {
  region = "ap-guangzhou"
}
