# Nightly backups of a fleet, kept for a week: a backup point of every data disk,
# one snapshot group per instance, weekly Lighthouse snapshots, ENS snapshots in
# two edge regions through provider aliases, and a desktop snapshot.
#
# Each resource with a `rotation` block is a series: every night's plan creates
# the generation due at the latest tick of its schedule, and expires the ones
# beyond `keep` or older than `max_age` once the new one is ready. Run it from
# CI every night (`snapform apply -auto-approve`), or try a week in a minute
# with `-now`:
#
#   snapform apply -auto-approve -now=2026-12-01T03:00:00+08:00
#   snapform apply -auto-approve -now=2026-12-02T03:00:00+08:00
#   snapform state list

locals {
  tags = {
    schedule  = "nightly"
    retention = "${var.keep_nights}d"
  }
}

provider "tencentcloud" {
  region     = "ap-guangzhou"
  rate_limit = 20
}

provider "alicloud" {
  alias  = "shenzhen"
  region = "cn-shenzhen"
}

provider "alicloud" {
  alias  = "beijing"
  region = "cn-beijing"
}

provider "alicloud" {
  alias  = "hangzhou"
  region = "cn-hangzhou"
}

resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.fleet_disks
  disk_id          = each.value
  disk_backup_name = "${each.key}-${formatdate("YYYYMMDD", rotation.time)}"

  rotation {
    schedule  = "0 2 * * *"
    time_zone = var.time_zone
    keep      = var.keep_nights
    max_age   = "${var.keep_nights + 1}d"
  }

  timeouts {
    create = "30m"
  }
}

resource "tencentcloud_cbs_snapshot_group" "instance" {
  for_each            = var.instances
  disk_ids            = each.value
  snapshot_group_name = "${each.key}-${formatdate("YYYYMMDD", rotation.time)}"
  tags                = merge(local.tags, { instance = each.key })

  rotation {
    schedule  = "30 2 * * *"
    time_zone = var.time_zone
    keep      = var.keep_nights
  }
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  for_each      = toset(["lhins-qs100001", "lhins-qs100002"])
  instance_id   = each.key
  snapshot_name = "site-${formatdate("YYYYMMDD", rotation.time)}"

  # Sundays at 03:00; four weeks of history.
  rotation {
    schedule  = "0 3 * * 0"
    time_zone = var.time_zone
    keep      = 4
  }
}

resource "alicloud_ens_snapshot" "shenzhen" {
  for_each      = { for name, disk in var.edge_disks : name => disk if startswith(disk.edge_node, "cn-shenzhen") }
  provider      = alicloud.shenzhen
  ens_region_id = each.value.edge_node
  disk_id       = each.value.disk_id
  snapshot_name = "${each.key}-${formatdate("YYYYMMDD", rotation.time)}"
  description   = "Nightly snapshot of ${each.key}"

  rotation {
    schedule  = "0 4 * * *"
    time_zone = var.time_zone
    keep      = 3
  }
}

resource "alicloud_ens_snapshot" "beijing" {
  for_each      = { for name, disk in var.edge_disks : name => disk if startswith(disk.edge_node, "cn-beijing") }
  provider      = alicloud.beijing
  ens_region_id = each.value.edge_node
  disk_id       = each.value.disk_id
  snapshot_name = "${each.key}-${formatdate("YYYYMMDD", rotation.time)}"
  description   = "Nightly snapshot of ${each.key}"

  rotation {
    schedule  = "0 4 * * *"
    time_zone = var.time_zone
    keep      = 3
  }

  # Edge snapshots go last, after the core backups are taken.
  depends_on = [tencentcloud_cbs_snapshot_group.instance]
}

resource "alicloud_ecd_snapshot" "support_desktop" {
  provider         = alicloud.hangzhou
  desktop_id       = "ecd-qs1000000000002"
  snapshot_name    = "support-${formatdate("YYYYMMDD", rotation.time)}"
  source_disk_type = "DATA"

  rotation {
    schedule  = "@daily"
    time_zone = var.time_zone
    keep      = 2
  }
}

output "snapshot_groups" {
  description = "The newest snapshot group of each instance."
  value       = { for instance, group in tencentcloud_cbs_snapshot_group.instance : instance => group.id }
}
