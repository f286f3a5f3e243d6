locals {
  prefixed = "prefix-${var.name}"
  suffixed = "${var.name}-suffix"
  spaced   = " ${var.name}"
}
