variable "disks" {
  type = lst(string)
}
