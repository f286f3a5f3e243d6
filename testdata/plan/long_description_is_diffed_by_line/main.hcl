resource "alicloud_ecd_snapshot" "desk" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "desk"
  source_disk_type = "SYSTEM"
  description      = <<-EOT
    weekly
    keep 90 days
    owner: it
  EOT
}
