resource "alicloud_ecd_snapshot" "a" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "weekly"
  source_disk_type = "root"
}
