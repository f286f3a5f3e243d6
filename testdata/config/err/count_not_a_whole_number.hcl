resource "tencentcloud_cbs_disk_backup" "a" {
  count   = 2.5
  disk_id = "disk-qs100001"
}
