resource "tencentcloud_cbs_disk_backup" "recorded" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-a"
}

resource "tencentcloud_cbs_disk_backup" "new" {
  disk_id = "disk-qs100002"
}

resource "tencentcloud_lighthouse_snapshot" "follows_recorded" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "after-${tencentcloud_cbs_disk_backup.recorded.id}"
}

resource "tencentcloud_lighthouse_snapshot" "follows_new" {
  instance_id   = "lhins-qs100002"
  snapshot_name = "after-${tencentcloud_cbs_disk_backup.new.id}"
}
