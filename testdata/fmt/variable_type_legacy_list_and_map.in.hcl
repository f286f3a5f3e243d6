variable "names" {
type = "list"
}
variable "tags" {
type = "map"
}
