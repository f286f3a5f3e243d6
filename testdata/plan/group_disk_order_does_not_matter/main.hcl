resource "tencentcloud_cbs_snapshot_group" "app" {
  disk_ids            = ["disk-qs100004", "disk-qs100003"]
  snapshot_group_name = "app"
  tags                = { team = "platform" }
}
