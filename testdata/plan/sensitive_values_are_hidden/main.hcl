variable "secret_suffix" {
  default   = "s3cr3t"
  sensitive = true
}

variable "team" {
  default = "platform"
}

# Created with a sensitive name.
resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site-${var.secret_suffix}"
}

# Recorded with a sensitive name, renamed in place: both names are hidden.
resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100002"
  snapshot_name = "blog-${var.secret_suffix}-v2"
}

# One tag is sensitive, so the whole map is.
resource "tencentcloud_cbs_snapshot_group" "app" {
  disk_ids            = ["disk-qs100003"]
  snapshot_group_name = "app"
  tags = {
    team  = var.team
    token = var.secret_suffix
  }
}

output "blog_name" {
  value     = tencentcloud_lighthouse_snapshot.blog.snapshot_name
  sensitive = true
}

output "blog_id" {
  value = tencentcloud_lighthouse_snapshot.blog.id
}
