snapform {
  backend "pg" {
    conn_str    = "postgres://snapform@localhost/state"
    schema_name = "team_a"
  }
}

resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"
}
