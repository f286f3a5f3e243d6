resource "tencentcloud_lighthouse_snapshot" "a" {
  instance_id = "lhins-qs100001"

  lifecycle {
    prevent_destroy = "yes"
  }
}
