resource "tencentcloud_cbs_disk_backup" "a" {
  for_each = ["disk-qs100001", "disk-qs100002"]
  disk_id  = each.value
}
