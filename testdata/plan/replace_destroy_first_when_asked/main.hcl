resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id          = "disk-qs100002"
  disk_backup_name = "nightly-a"

  lifecycle {
    create_before_destroy = false
  }
}
