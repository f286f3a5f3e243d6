locals {
  disks = ["disk-qs100001"]
}

resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = local.disks[3]
}
