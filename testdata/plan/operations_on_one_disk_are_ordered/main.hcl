resource "tencentcloud_cbs_snapshot_group" "app" {
  disk_ids = ["disk-qs100003", "disk-qs100004"]
}

resource "tencentcloud_cbs_disk_backup" "db" {
  disk_id = "disk-qs100003"
}

resource "tencentcloud_cbs_disk_backup" "db_again" {
  disk_id = "disk-qs100003"
}

resource "tencentcloud_cbs_disk_backup" "logs" {
  disk_id = "disk-qs100004"
}

# depends_on wins over the default order: this group waits for the backup.
resource "tencentcloud_cbs_snapshot_group" "after_logs" {
  disk_ids   = ["disk-qs100004", "disk-qs100005"]
  depends_on = [tencentcloud_cbs_disk_backup.logs]
}
