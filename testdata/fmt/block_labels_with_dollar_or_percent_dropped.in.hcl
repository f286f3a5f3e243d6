resource "x" "price$" {
}
resource "x" "100%" {
}
