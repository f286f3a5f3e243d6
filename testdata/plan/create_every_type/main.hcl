resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-a"
}

resource "tencentcloud_cbs_snapshot_group" "app" {
  disk_ids            = ["disk-qs100003", "disk-qs100004"]
  snapshot_group_name = "app"
}

resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog"
}

resource "alicloud_ecd_snapshot" "desk" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "desk"
  source_disk_type = "system"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
}
