locals {
a = 1 // first
bbb = "two"    // second
}
