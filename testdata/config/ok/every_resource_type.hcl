resource "tencentcloud_cbs_disk_backup" "backup" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}

resource "tencentcloud_cbs_snapshot_group" "group" {
  disk_ids            = ["disk-qs100004", "disk-qs100003"]
  snapshot_group_name = "app"
  tags                = { team = "platform", tier = 1 }
}

resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog"
}

resource "alicloud_ecd_snapshot" "desktop" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "desk_01"
  source_disk_type = "SYSTEM"
  description      = "weekly"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge:cache_1"
  description   = "edge cache"
}
