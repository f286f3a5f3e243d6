variable "time_zone" {
  type        = string
  description = "The time zone the schedules are read in (IANA)."
  default     = "Asia/Shanghai"
}

variable "keep_nights" {
  type        = number
  description = "How many nightly backups of each disk and instance are kept."
  default     = 7

  validation {
    condition     = var.keep_nights >= 1 && var.keep_nights <= 30
    error_message = "keep_nights must be between 1 and 30."
  }
}

variable "fleet_disks" {
  type        = map(string)
  description = "Every data disk of the fleet that gets a nightly backup point, by host name."
  default = {
    api-1    = "disk-qs100001"
    api-2    = "disk-qs100002"
    worker-1 = "disk-qs100006"
  }
}

variable "instances" {
  type        = map(list(string))
  description = "Instances whose disks are snapshotted together, with their disks."
  default = {
    ins-qs100001 = ["disk-qs100001", "disk-qs100002"]
    ins-qs100002 = ["disk-qs100003", "disk-qs100004", "disk-qs100005"]
  }
}

variable "edge_disks" {
  type        = map(object({ edge_node = string, disk_id = string }))
  description = "ENS edge disks to snapshot, by name."
  default = {
    shenzhen-cache = { edge_node = "cn-shenzhen-3", disk_id = "d-qs10000000000000001" }
    beijing-cache  = { edge_node = "cn-beijing-15", disk_id = "d-qs20000000000000001" }
  }
}
