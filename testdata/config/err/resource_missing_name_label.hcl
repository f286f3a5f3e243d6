resource "tencentcloud_cbs_disk_backup" {
  disk_id = "disk-qs100001"
}
