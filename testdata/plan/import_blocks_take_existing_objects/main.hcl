variable "existing" {
  default = {
    web = "dbp-web00001"
    db  = "dbp-db000001"
  }
}

resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.existing
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-${each.key}"
}

import {
  for_each = var.existing
  to       = tencentcloud_cbs_disk_backup.nightly[each.key]
  id       = each.value
}

# Imported, then updated in place: the cloud has another description.
resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog"
}

import {
  to = tencentcloud_lighthouse_snapshot.blog
  id = "lhsnap-blog0001"
}

# Already managed: the import block is done and plans nothing.
resource "tencentcloud_cbs_disk_backup" "kept" {
  disk_id = "disk-qs100002"
}

import {
  to = tencentcloud_cbs_disk_backup.kept
  id = "dbp-kept0001"
}
