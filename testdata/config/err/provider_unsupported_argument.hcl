provider "alicloud" {
  region     = "cn-hangzhou"
  secret_id  = "LTAIexample"
  secret_key = "example"
}
