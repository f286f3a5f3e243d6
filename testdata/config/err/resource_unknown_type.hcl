resource "tencentcloud_cbs_disk_backups" "a" {
  disk_id = "disk-qs100001"
}
