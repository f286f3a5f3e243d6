resource "alicloud_ens_snapshot" "a" {
  provider      = alicloud.edge
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
}
