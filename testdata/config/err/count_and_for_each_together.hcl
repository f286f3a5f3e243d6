resource "tencentcloud_cbs_disk_backup" "a" {
  count    = 1
  for_each = toset(["disk-qs100001"])
  disk_id  = "disk-qs100001"
}
