provider "tencentcloud" {
  alias  = "sh"
  region = "ap-shanghai"
}

resource "tencentcloud_cbs_disk_backup" "a" {
  provider = "tencentcloud.sh"
  disk_id  = "disk-qs100001"
}
