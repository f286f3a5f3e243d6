locals {
  empty      = {}
  empty_list = []
  inline     = { a = 1, b = "two" }
  colon      = { a : 1 }
}
block "x" {}
