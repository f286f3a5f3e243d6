locals {
  neg          = -1
  dash_in_name = var.a-1
  sub          = var.a - 1
  list         = [-1, -2]
  call         = abs(-3)
  after_op     = 2 * -3
  not          = !var.enabled
  not_eq       = !var.a == true
}
