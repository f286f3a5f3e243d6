resource "tencentcloud_lighthouse_snapshot" "a" {
  for_each      = toset(["lhins-qs100001", "lhins-qs100002", "lhins-qs100003"])
  instance_id   = each.key
  snapshot_name = "${each.key}-snapshot-taken-before-the-quarterly-release-of-the-portal"
}
