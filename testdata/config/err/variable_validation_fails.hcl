variable "retention" {
  type    = string
  default = "365d"

  validation {
    condition     = contains(["7d", "30d"], var.retention)
    error_message = "retention must be 7d or 30d."
  }
}
