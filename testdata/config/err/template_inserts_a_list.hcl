locals {
  disks = ["disk-qs100001", "disk-qs100002"]
}

resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "backup-of-${local.disks}"
}
