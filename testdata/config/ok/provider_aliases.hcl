provider "tencentcloud" {
  region = "ap-guangzhou"
}

provider "tencentcloud" {
  alias      = "shanghai"
  region     = "ap-shanghai"
  endpoint   = "http://127.0.0.1:4566"
  secret_id  = "AKIDexample"
  secret_key = "example-secret"
  rate_limit = 10
}

provider "alicloud" {
  alias  = "edge"
  region = "cn-shenzhen"
}

resource "tencentcloud_cbs_disk_backup" "guangzhou" {
  disk_id = "disk-qs100001"
}

resource "tencentcloud_cbs_disk_backup" "shanghai" {
  provider = tencentcloud.shanghai
  disk_id  = "disk-qs200001"
}

resource "alicloud_ens_snapshot" "edge" {
  provider      = alicloud.edge
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
}
