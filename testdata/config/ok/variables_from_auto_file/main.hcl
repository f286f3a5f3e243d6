variable "region" {
  type = string
}

variable "disks" {
  type    = list(string)
  default = []
}

provider "tencentcloud" {
  region = var.region
}

resource "tencentcloud_cbs_snapshot_group" "g" {
  disk_ids = var.disks
}
