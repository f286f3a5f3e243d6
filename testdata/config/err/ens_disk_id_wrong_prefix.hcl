resource "alicloud_ens_snapshot" "a" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "disk-qs100001"
}
