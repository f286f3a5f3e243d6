resource "tencentcloud_cbs_disk_backup" "first" {
  disk_id = "disk-qs100001"
}

resource "tencentcloud_lighthouse_snapshot" "second" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "after-${tencentcloud_cbs_disk_backup.first.id}"
}

resource "tencentcloud_cbs_disk_backup" "many" {
  count   = 2
  disk_id = "disk-qs10000${count.index + 1}"
}

output "many_ids" {
  value = tencentcloud_cbs_disk_backup.many[*].id
}

output "first_state" {
  value = tencentcloud_cbs_disk_backup.first.disk_backup_state
}
