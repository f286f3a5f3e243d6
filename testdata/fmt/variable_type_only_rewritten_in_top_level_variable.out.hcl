variable "v" {
  validation {
    type = "string"
  }
}
locals {
  type = "string"
}
resource "x" "y" {
  type = var.t
}
