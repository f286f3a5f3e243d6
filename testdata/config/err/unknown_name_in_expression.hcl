resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = disk_qs100001
}
