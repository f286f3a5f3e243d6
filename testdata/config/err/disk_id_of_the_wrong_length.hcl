resource "tencentcloud_cbs_disk_backup" "b" {
  disk_id = "disk-gr000096a"
}

resource "tencentcloud_lighthouse_snapshot" "s" {
  instance_id = "lhins-abc"
}
