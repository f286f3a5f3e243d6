locals {
a = 1
longer_name = 2
# A comment-only line ends the group.
b = 3
c_long = 4
}
