resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog-${formatdate("YYYYMMDD", "2026-11-22T03:00:00Z")}"

  lifecycle {
    ignore_changes = [snapshot_name]
  }
}
