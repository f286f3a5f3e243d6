resource "x" "y" { a = 1 }
resource "x" "z" {}
locals {}
variable "v" { type = string }
