resource "tencentcloud_lighthouse_snapshot" "a" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "after-${tencentcloud_cbs_disk_backup.db.id}"
}
