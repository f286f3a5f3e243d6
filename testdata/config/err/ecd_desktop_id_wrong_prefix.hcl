resource "alicloud_ecd_snapshot" "a" {
  desktop_id       = "desktop-1"
  snapshot_name    = "weekly"
  source_disk_type = "system"
}
