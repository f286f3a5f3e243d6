resource "x" "tab\there" {
}
resource "x" "ABC" {
}
resource "x" "quote\"d" {
}
