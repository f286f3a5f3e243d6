resource "tencentcloud_cbs_disk_backup" "a" {
  for_each = "disk-qs100001"
  disk_id  = each.value
}
