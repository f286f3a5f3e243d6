resource "tencentcloud_cbs_disk_backup" "bad_schedule" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-${formatdate("YYYYMMDD", rotation.time)}"

  rotation {
    schedule = "0 2 * *"
    keep     = 7
  }
}

resource "tencentcloud_cbs_disk_backup" "bad_zone_and_keep" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly-${formatdate("YYYYMMDD", rotation.time)}"

  rotation {
    schedule  = "@daily"
    time_zone = "Mars/Olympus"
    keep      = 0
    max_age   = "a month"
  }
}

resource "tencentcloud_lighthouse_snapshot" "same_name_every_night" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "nightly"

  rotation {
    schedule = "@daily"
    keep     = 3
  }
}

resource "tencentcloud_cbs_disk_backup" "time_without_rotation" {
  disk_id          = "disk-qs100001"
  disk_backup_name = formatdate("YYYYMMDD", rotation.time)
}
