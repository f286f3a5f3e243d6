resource "tencentcloud_cbs_disk_backup" "new" {
  disk_id = "disk-qs100001"
}

moved {
  from = tencentcloud_cbs_disk_backup.old
  to   = tencentcloud_cbs_disk_backup.new
}
