variable "env" {
  default = "prod"
}

variable "env" {
  default = "dev"
}
