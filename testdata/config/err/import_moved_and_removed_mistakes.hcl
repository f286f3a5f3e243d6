resource "tencentcloud_cbs_disk_backup" "kept" {
  disk_id = "disk-qs100001"
}

resource "tencentcloud_cbs_disk_backup" "series" {
  disk_id = "disk-qs100002"

  rotation {
    schedule = "@daily"
    keep     = 3
  }
}

import {
  to = tencentcloud_cbs_disk_backup.series
  id = "dbp-00000001"
}

import {
  to = "tencentcloud_cbs_disk_backup.kept"
  id = "dbp-00000002"
}

import {
  to = tencentcloud_cbs_disk_backup.kept
}

import {
  to = tencentcloud_cbs_disk_backup.kept
  id = "dbp-00000003"
}

import {
  to = tencentcloud_cbs_disk_backup.kept
  id = "dbp-00000004"
}

moved {
  from = tencentcloud_cbs_disk_backup.kept
  to   = tencentcloud_cbs_disk_backup.elsewhere
}

moved {
  from = tencentcloud_cbs_disk_backup.a
  to   = tencentcloud_lighthouse_snapshot.a
}

moved {
  from = tencentcloud_cbs_disk_backup.x
  to   = tencentcloud_cbs_disk_backup.y
}

moved {
  from = tencentcloud_cbs_disk_backup.y
  to   = tencentcloud_cbs_disk_backup.x
}

moved {
  from = tencentcloud_cbs_disk_backup.p
  to   = tencentcloud_cbs_disk_backup.q
}

moved {
  from = tencentcloud_cbs_disk_backup.p
  to   = tencentcloud_cbs_disk_backup.r
}

removed {
  from = tencentcloud_cbs_disk_backup.kept
}

removed {
  from = tencentcloud_cbs_disk_backup.gone[0]
}

removed {
  from = tencentcloud_cbs_disk_backup.other

  lifecycle {
    destroy         = "no"
    prevent_destroy = true
  }
}
