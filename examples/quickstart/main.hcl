# Quickstart: a few snapshots of each kind snapform manages.
#
# The IDs below belong to the built-in inventory of snapform's emulator, so this
# configuration plans and applies on any machine with no cloud account
# (see the README). To use real clouds, replace the IDs with your own disks,
# instances and desktops, and give the providers real credentials.

variable "environment" {
  type        = string
  default     = "demo"
  description = "Prefix of every snapshot name."
}

variable "nightly_disks" {
  type        = map(string)
  description = "Disks that get a backup point, by a short name."
  default = {
    web = "disk-qs100001"
    db  = "disk-qs100003"
  }
}

provider "tencentcloud" {
  region = "ap-guangzhou"
}

provider "alicloud" {
  region = "cn-hangzhou"
}

# One backup point per disk of the map above.
resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.nightly_disks
  disk_id          = each.value
  disk_backup_name = "${var.environment}-${each.key}-nightly"
}

# A consistent snapshot of all three disks of one instance.
resource "tencentcloud_cbs_snapshot_group" "app" {
  disk_ids            = ["disk-qs100003", "disk-qs100004", "disk-qs100005"]
  snapshot_group_name = "${var.environment}-app"
  tags = {
    team = "platform"
  }
}

resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "${var.environment}-blog"
}

resource "alicloud_ecd_snapshot" "desktop" {
  count            = 2
  desktop_id       = format("ecd-qs100000000000%d", count.index + 1)
  snapshot_name    = "${var.environment}-desktop-${count.index}"
  source_disk_type = "system"
  description      = "Quickstart snapshot of cloud computer ${count.index + 1}"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "${var.environment}-edge"
  description   = "Edge disk snapshot"

  # Snapshot the edge disk only once the group snapshot is under way.
  depends_on = [tencentcloud_cbs_snapshot_group.app]
}

output "backup_ids" {
  description = "The backup point of each disk."
  value       = { for name, backup in tencentcloud_cbs_disk_backup.nightly : name => backup.id }
}
