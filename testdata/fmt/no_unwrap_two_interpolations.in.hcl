locals {
both = "${var.a}${var.b}"
}
