resource "x" "y" {
a = 1
longer_name = 2
lifecycle {
create_before_destroy = true
}
b = 3
}
