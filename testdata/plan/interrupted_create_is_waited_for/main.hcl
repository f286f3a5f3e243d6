resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog"
}

resource "tencentcloud_cbs_disk_backup" "after_blog" {
  disk_id    = "disk-qs100001"
  depends_on = [tencentcloud_lighthouse_snapshot.blog]
}
