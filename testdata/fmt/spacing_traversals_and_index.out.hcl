locals {
  attr       = var.object.name
  index      = var.list[0].name
  map        = var.map["key"]
  legacy     = var.list.0.name
  call_index = element(var.list, 0)[1]
}
