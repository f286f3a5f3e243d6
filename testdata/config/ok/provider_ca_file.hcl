# An https endpoint on the emulator, its local CA trusted by both providers.
variable "ca_dir" {
  default = ".snapform/emulator-ca"
}

provider "tencentcloud" {
  region   = "ap-guangzhou"
  endpoint = "https://127.0.0.1:4566"
  ca_file  = "${var.ca_dir}/ca.pem"
}

provider "alicloud" {
  region   = "cn-hangzhou"
  endpoint = "https://127.0.0.1:4566"
  ca_file  = "${var.ca_dir}/ca.pem"
}

resource "tencentcloud_cbs_disk_backup" "nightly" {
  disk_id = "disk-qs100001"
}

resource "alicloud_ecd_snapshot" "desk" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "desk"
  source_disk_type = "system"
}
