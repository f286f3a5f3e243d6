resource "alicloud_ecd_snapshot" "a" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "weekly"
  source_disk_type = "data"
  description      = "${join(" ", [for i in range(15) : "snapshot"])}, taken every Sunday night before the maintenance window"
}
