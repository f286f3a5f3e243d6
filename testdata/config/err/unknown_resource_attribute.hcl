resource "tencentcloud_cbs_disk_backup" "db" {
  disk_id = "disk-qs100001"
}

output "state" {
  value = tencentcloud_cbs_disk_backup.db.backup_state
}
