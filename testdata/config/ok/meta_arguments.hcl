resource "tencentcloud_cbs_snapshot_group" "group" {
  disk_ids = ["disk-qs100001", "disk-qs100002"]
}

resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog"
  depends_on    = [tencentcloud_cbs_snapshot_group.group]

  lifecycle {
    prevent_destroy       = true
    create_before_destroy = true
    ignore_changes        = [snapshot_name]
  }

  timeouts {
    create = "1h30m"
    update = "5m"
    delete = "45s"
  }
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"

  lifecycle {
    ignore_changes = all
  }
}
