resource "tencentcloud_lighthouse_snapshot" "a" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "after-${tencentcloud_lighthouse_snapshot.b.id}"
}

resource "tencentcloud_lighthouse_snapshot" "b" {
  instance_id = "lhins-qs100002"
  depends_on  = [tencentcloud_lighthouse_snapshot.a]
}
