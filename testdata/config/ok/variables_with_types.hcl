variable "copies" {
  type    = number
  default = "3"
}

variable "enabled" {
  type    = bool
  default = true
}

variable "secret" {
  type      = string
  default   = "hidden"
  sensitive = true
}

variable "edge" {
  type    = object({ node = string, disk = string })
  default = { node = "cn-shenzhen-3", disk = "d-qs10000000000000001" }
}

variable "legacy" {
  type    = "list"
  default = ["a"]
}

resource "alicloud_ens_snapshot" "edge" {
  count         = var.enabled ? var.copies : 0
  ens_region_id = var.edge.node
  disk_id       = var.edge["disk"]
}
