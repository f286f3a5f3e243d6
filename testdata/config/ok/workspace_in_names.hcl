resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-${snapform.workspace}"
}
