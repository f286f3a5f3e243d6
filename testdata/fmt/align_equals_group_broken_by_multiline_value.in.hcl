locals {
short = 1
a_much_longer_name = 2
obj = {
k = "v"
longer_key = "w"
}
mid = 3

after_blank = 4
nested = { a = 1, bbb = 2 }
}
