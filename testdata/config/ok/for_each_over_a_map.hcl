variable "disks" {
  type = map(string)
  default = {
    web = "disk-qs100001"
    db  = "disk-qs100003"
  }
}

resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.disks
  disk_id          = each.value
  disk_backup_name = "${each.key}-nightly"
}
