locals {
  upper    = [for s in var.list : upper(s)]
  filtered = [for s in var.list : s if s != ""]
  by_key   = { for k, v in var.map : k => v }
  grouped  = { for k, v in var.map : v => k... }
  literal  = [for x in [1, 2] : x]
}
