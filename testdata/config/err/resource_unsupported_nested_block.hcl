resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"

  provisioner "local-exec" {
    command = "echo done"
  }
}
