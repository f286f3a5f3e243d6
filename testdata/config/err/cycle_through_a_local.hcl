locals {
  name = "copy-of-${tencentcloud_lighthouse_snapshot.a.id}"
}

resource "tencentcloud_lighthouse_snapshot" "a" {
  instance_id   = "lhins-qs100001"
  snapshot_name = local.name
}
