resource "alicloud_ecd_snapshot" "a" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "a"
  source_disk_type = "system"
}
