resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-a"
}

resource "alicloud_ecd_snapshot" "desk" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "desk"
  source_disk_type = "system"
  description      = "weekly\nkeep 30 days\nowner: it"
}
