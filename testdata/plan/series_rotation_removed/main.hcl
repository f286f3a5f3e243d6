variable "disks" {
  default = {
    web = "disk-qs100001"
  }
}

resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.disks
  disk_id          = each.value
  disk_backup_name = "nightly-${each.key}-20261205"
}
