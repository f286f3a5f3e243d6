resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"
}

resource "tencentcloud_cbs_disk_backup" "b" {
  disk_id    = "disk-qs100002"
  depends_on = ["tencentcloud_cbs_disk_backup.a"]
}
