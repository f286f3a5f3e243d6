resource "x" {
}
resource "x" {
}
