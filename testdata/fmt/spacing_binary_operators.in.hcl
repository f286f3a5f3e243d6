locals {
sum = 1+2*3-4/2%3
cmp = var.a==var.b&&var.c!=var.d||var.e<=1
gt = var.a>var.b
}
