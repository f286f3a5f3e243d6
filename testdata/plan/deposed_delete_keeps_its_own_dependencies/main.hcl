# The site snapshot was replaced create-before-destroy; its old object (deposed) depended on
# nothing, while the new one depends on `base`, which is no longer configured. The deposed
# delete must not be ordered after `base` as if it were the new object.
resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site"
  lifecycle {
    create_before_destroy = true
  }
}
