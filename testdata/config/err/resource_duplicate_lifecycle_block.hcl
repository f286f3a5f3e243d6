resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"

  lifecycle {
    prevent_destroy = true
  }
  lifecycle {
    create_before_destroy = true
  }
}
