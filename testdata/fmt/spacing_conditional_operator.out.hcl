locals {
  cond   = var.a ? "yes" : "no"
  nested = var.a ? var.b ? 1 : 2 : -3
}
