resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id    = "disk-qs100001"
  depends_on = [tencentcloud_cbs_disk_backup.a]
}
