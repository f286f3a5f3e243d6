locals {
  directive = "%{if var.a}yes%{endif}"
  mixed     = "${var.a}%{if var.b}!%{endif}"
}
