resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-backup-of-the-primary-database-disk-kept-for-thirty-days-before-rotation-by-the-platform-team"
}
