locals {
  obj = {
    key = "${var.value}"
  }
  list = ["${var.item}"]
}
