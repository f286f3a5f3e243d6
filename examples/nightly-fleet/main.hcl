# Nightly backups of a fleet: a backup point of every data disk, one snapshot
# group per instance, Lighthouse snapshots, and ENS snapshots in two edge regions
# through provider aliases.

locals {
  night = formatdate("YYYYMMDD", var.backup_time)
  tags = {
    schedule  = "nightly"
    retention = var.retention_tag
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

resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.fleet_disks
  disk_id          = each.value
  disk_backup_name = "${each.key}-${local.night}"

  timeouts {
    create = "30m"
  }
}

resource "tencentcloud_cbs_snapshot_group" "instance" {
  for_each            = var.instances
  disk_ids            = each.value
  snapshot_group_name = "${each.key}-${local.night}"
  tags                = merge(local.tags, { instance = each.key })

  lifecycle {
    prevent_destroy = true
  }
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  for_each      = toset(["lhins-qs100001", "lhins-qs100002"])
  instance_id   = each.key
  snapshot_name = "site-${local.night}"

  lifecycle {
    ignore_changes = [snapshot_name]
  }
}

resource "alicloud_ens_snapshot" "shenzhen" {
  for_each      = { for name, disk in var.edge_disks : name => disk if startswith(disk.edge_node, "cn-shenzhen") }
  provider      = alicloud.shenzhen
  ens_region_id = each.value.edge_node
  disk_id       = each.value.disk_id
  snapshot_name = "${each.key}-${local.night}"
  description   = "Nightly snapshot of ${each.key}"
}

resource "alicloud_ens_snapshot" "beijing" {
  for_each      = { for name, disk in var.edge_disks : name => disk if startswith(disk.edge_node, "cn-beijing") }
  provider      = alicloud.beijing
  ens_region_id = each.value.edge_node
  disk_id       = each.value.disk_id
  snapshot_name = "${each.key}-${local.night}"
  description   = "Nightly snapshot of ${each.key}"

  # Edge snapshots go last, after the core backups are taken.
  depends_on = [tencentcloud_cbs_snapshot_group.instance]
}

resource "alicloud_ecd_snapshot" "support_desktop" {
  provider         = alicloud.shenzhen
  desktop_id       = "ecd-qs1000000000002"
  snapshot_name    = "support-${local.night}"
  source_disk_type = "DATA"
}

output "snapshot_groups" {
  description = "The snapshot group of each instance."
  value       = { for instance, group in tencentcloud_cbs_snapshot_group.instance : instance => group.id }
}
