locals {
  full   = aws_instance.web[*].id
  attr   = aws_instance.web.*.id
  nested = var.list[*].tags["Name"]
}
