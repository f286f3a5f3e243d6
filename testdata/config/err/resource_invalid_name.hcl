resource "tencentcloud_cbs_disk_backup" "9lives" {
  disk_id = "disk-qs100001"
}
