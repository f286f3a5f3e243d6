variable "copies" {
  type = number
}

resource "tencentcloud_cbs_disk_backup" "a" {
  count   = var.copies
  disk_id = "disk-qs100001"
}
