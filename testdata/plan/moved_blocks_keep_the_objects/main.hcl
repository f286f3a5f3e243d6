# The quickstart's one backup, refactored into a for_each over disks; an older chain of
# renames ends in the same map; a count resource renamed whole.
resource "tencentcloud_cbs_disk_backup" "fleet" {
  for_each         = toset(["disk-qs100001", "disk-qs100002"])
  disk_id          = each.key
  disk_backup_name = "nightly"
}

moved {
  from = tencentcloud_cbs_disk_backup.quick
  to   = tencentcloud_cbs_disk_backup.fleet["disk-qs100001"]
}

moved {
  from = tencentcloud_cbs_disk_backup.second
  to   = tencentcloud_cbs_disk_backup.fleet["disk-qs100002"]
}

moved {
  from = tencentcloud_cbs_disk_backup.first
  to   = tencentcloud_cbs_disk_backup.second
}

resource "tencentcloud_lighthouse_snapshot" "blog" {
  count         = 2
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog-${count.index}"
}

moved {
  from = tencentcloud_lighthouse_snapshot.site
  to   = tencentcloud_lighthouse_snapshot.blog
}
