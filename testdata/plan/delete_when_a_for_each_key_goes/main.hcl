resource "tencentcloud_cbs_disk_backup" "n" {
  for_each = toset(["web"])
  disk_id  = "disk-qs100001"
}
