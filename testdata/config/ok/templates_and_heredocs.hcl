variable "environment" {
  default = "prod"
}

locals {
  description = <<-EOT
    Nightly snapshot of the ${var.environment} edge cache.
    %{ if var.environment == "prod" }Keep for 30 days.%{ else }Keep for 7 days.%{ endif }
  EOT
  list = "%{ for d in ["a", "b"] }${d};%{ endfor }"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  description   = trimspace(local.description)
  snapshot_name = "edge-${local.list == "a;b;" ? "ok" : "bad"}"
}
