resource "tencentcloud_cbs_disk_backup" "none" {
  count   = 0
  disk_id = "disk-qs100001"
}

resource "tencentcloud_lighthouse_snapshot" "none" {
  for_each    = {}
  instance_id = each.value
}
