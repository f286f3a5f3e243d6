locals {
  value = (var.a
    ? var.b
  : var.c)
  already = (
    var.a
  )
  trimmed = var.a
}
