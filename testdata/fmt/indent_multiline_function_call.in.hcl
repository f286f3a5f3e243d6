locals {
merged = merge(
local.a,
{
extra = true
},
)
joined = join(",",
var.list)
}
