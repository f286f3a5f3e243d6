locals {
a = 1 # first
bbb = "two" # second
cc = [1, 2]      # third
}
