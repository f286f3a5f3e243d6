resource "tencentcloud_cbs_disk_backup" "base" {
  disk_id = "disk-qs100001"
}

resource "tencentcloud_lighthouse_snapshot" "app" {
  instance_id = "lhins-qs100001"
  depends_on  = [tencentcloud_cbs_disk_backup.base]
}

resource "tencentcloud_lighthouse_snapshot" "other" {
  instance_id = "lhins-qs100002"
}
