resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "ins-qs100001"
}
