locals {
  text = <<EOT
Hello ${var.name}!
%{if var.admin}Admin%{endif}
EOT
}
