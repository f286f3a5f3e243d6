resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog-v2"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge"
  description   = "edge cache, kept 7 days"
}
