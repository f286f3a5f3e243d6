resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"

  timeouts {
    create = "10 minutes"
    delete = "5d"
  }
}
