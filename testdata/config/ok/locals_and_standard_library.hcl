locals {
  night   = formatdate("YYYYMMDD-EEE", "2026-11-22T03:00:00+08:00")
  base    = { team = "platform" }
  tags    = merge(local.base, { night = local.night }, { team = "sre" })
  disks   = concat(["disk-qs100003"], tolist(toset(["disk-qs100005", "disk-qs100004"])))
  label   = join("_", [for d in local.disks : replace(d, "disk-", "")])
  numbers = range(1, 10, 4)
  lower   = lower("NightLy")
  names   = { for i, d in local.disks : d => "g${i}" if i > 0 }
}

resource "tencentcloud_cbs_snapshot_group" "group" {
  disk_ids            = local.disks
  snapshot_group_name = "${local.label}-${local.night}"
  tags                = local.tags
}
