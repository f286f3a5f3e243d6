variable "copies" {
  type    = number
  default = -1
}

resource "tencentcloud_cbs_disk_backup" "a" {
  count   = var.copies
  disk_id = "disk-qs100001"
}
