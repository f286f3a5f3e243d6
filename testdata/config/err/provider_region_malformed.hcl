provider "tencentcloud" {
  region = "Guangzhou"
}
