removed {
  from = tencentcloud_cbs_disk_backup.kept_away

  lifecycle {
    destroy = false
  }
}

removed {
  from = tencentcloud_cbs_disk_backup.deleted
}

# One disk left the map: its backup is forgotten, not deleted.
resource "tencentcloud_cbs_disk_backup" "fleet" {
  for_each         = toset(["disk-qs100001"])
  disk_id          = each.key
  disk_backup_name = "nightly"

  lifecycle {
    destroy = false
  }
}

# A new name needs a new backup: the old one is kept in the cloud.
resource "tencentcloud_cbs_disk_backup" "renamed" {
  disk_id          = "disk-qs100003"
  disk_backup_name = "after"

  lifecycle {
    destroy = false
  }
}
