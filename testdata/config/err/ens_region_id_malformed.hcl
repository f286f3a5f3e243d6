resource "alicloud_ens_snapshot" "a" {
  ens_region_id = "Shenzhen 3"
  disk_id       = "d-qs10000000000000001"
}
