resource "tencentcloud_lighthouse_snapshot" "a" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "快照-before-the-quarterly-release-of-the-customer-portal-v2-final"
}
