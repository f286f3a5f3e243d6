resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"
}

resource "tencentcloud_lighthouse_snapshot" "b" {
  for_each    = toset([tencentcloud_cbs_disk_backup.a.id])
  instance_id = "lhins-qs100001"
}
