resource "tencentcloud_cbs_snapshot_group" "a" {
  disk_ids = ["disk-qs100001", { id = "disk-qs100002" }]
}
