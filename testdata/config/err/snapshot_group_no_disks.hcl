resource "tencentcloud_cbs_snapshot_group" "a" {
  disk_ids = []
}
