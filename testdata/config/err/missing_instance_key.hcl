resource "tencentcloud_cbs_disk_backup" "db" {
  count   = 2
  disk_id = "disk-qs100001"
}

output "id" {
  value = tencentcloud_cbs_disk_backup.db.id
}
