data "tencentcloud_cbs_disks" "all" {
}
