resource "tencentcloud_lighthouse_snapshot" "site" {
  for_each      = toset(["lhins-qs100002", "lhins-qs100001", "lhins-qs100002"])
  instance_id   = each.key
  snapshot_name = "site-${substr(each.key, 6, 8)}"
}
