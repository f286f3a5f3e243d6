locals {
  copies = "two" + 1
}
