resource "alicloud_ecd_snapshot" "a" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "s${join("", [for i in range(13) : "0123456789"])}"
  source_disk_type = "system"
}
