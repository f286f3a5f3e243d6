resource "alicloud_ecd_snapshot" "desktop" {
  count            = length(["a", "b", "c"])
  desktop_id       = format("ecd-qs100000000000%d", count.index + 1)
  snapshot_name    = upper("desk-${count.index}")
  source_disk_type = count.index == 0 ? "system" : "data"
}
