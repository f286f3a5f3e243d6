snapform {
  backend "pg" {
    schema_name = snapform.workspace
  }
}

resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"
}
