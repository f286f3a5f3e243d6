snapform {
  backend "pg" {
    schema_name = "team-a; drop"
  }
}

resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"
}
