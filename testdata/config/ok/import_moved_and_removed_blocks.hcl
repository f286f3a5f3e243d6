variable "existing" {
  default = {
    web = "dbp-00000001"
    db  = "dbp-00000002"
  }
}

resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.existing
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-${each.key}"

  lifecycle {
    destroy = false
  }
}

import {
  for_each = var.existing
  to       = tencentcloud_cbs_disk_backup.nightly[each.key]
  id       = each.value
}

resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog"
}

import {
  to = tencentcloud_lighthouse_snapshot.blog
  id = "lhsnap-00000001"
}

# Chained: an object at first goes to second, then to the resource's "a" key.
moved {
  from = tencentcloud_cbs_disk_backup.second
  to   = tencentcloud_cbs_disk_backup.nightly["web"]
}

moved {
  from = tencentcloud_cbs_disk_backup.first
  to   = tencentcloud_cbs_disk_backup.second
}

removed {
  from = tencentcloud_cbs_disk_backup.old

  lifecycle {
    destroy = false
  }
}

removed {
  from = tencentcloud_lighthouse_snapshot.gone
}
