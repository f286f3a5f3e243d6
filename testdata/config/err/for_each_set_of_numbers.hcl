resource "tencentcloud_cbs_disk_backup" "a" {
  for_each = toset([1, 2])
  disk_id  = "disk-qs10000${each.value}"
}
