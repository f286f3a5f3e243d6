resource "tencentcloud_lighthouse_snapshot" "a" {
  instance_id = "ins-qs100001"
}
