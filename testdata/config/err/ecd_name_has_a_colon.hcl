resource "alicloud_ecd_snapshot" "a" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "weekly:1"
  source_disk_type = "system"
}
