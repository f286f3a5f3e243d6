resource "tencentcloud_cbs_disk_backup" "n" {
  count   = 1
  disk_id = "disk-qs100001"
}
