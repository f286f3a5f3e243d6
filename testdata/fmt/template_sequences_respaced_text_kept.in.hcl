locals {
greeting = "Hello,   ${ var.name  }!"
cond = "%{ if var.enabled }on%{ else }off%{ endif }"
loop = "%{ for x in var.list }${ x }, %{ endfor }"
strip = "${~ var.a ~}"
escaped = "$${not_interpolated} %%{not_a_directive}"
}
