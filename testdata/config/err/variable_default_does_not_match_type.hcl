variable "copies" {
  type    = number
  default = "many"
}
