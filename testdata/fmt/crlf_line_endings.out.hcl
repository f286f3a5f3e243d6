locals {
  a      = 1     # first
  longer = "two" # second
}
