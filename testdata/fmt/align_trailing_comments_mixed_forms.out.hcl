locals {
  a   = 1     # hash
  bbb = "two" // slashes
  block {     # on a block header
  }
}
