provider "alicloud" {
  alias  = "edge"
  region = "cn-shenzhen"
}

resource "tencentcloud_cbs_disk_backup" "a" {
  provider = alicloud.edge
  disk_id  = "disk-qs100001"
}
