resource "tencentcloud_cbs_disk_backup" "old" {
  disk_id = "disk-qs100001"
}

import {
  to = tencentcloud_cbs_disk_backup.old
  id = "dbp-nosuch00"
}

import {
  to = tencentcloud_cbs_disk_backup.undeclared
  id = "dbp-undecl00"
}
