variable "names" {
  type = list(string)
}
variable "tags" {
  type = map(string)
}
