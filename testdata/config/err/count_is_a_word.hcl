resource "tencentcloud_cbs_disk_backup" "a" {
  count   = "two"
  disk_id = "disk-qs100001"
}
