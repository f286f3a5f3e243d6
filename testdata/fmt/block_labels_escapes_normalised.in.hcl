resource "x" "tab\there" {
}
resource "x" "\u0041BC" {
}
resource "x" "quote\"d" {
}
