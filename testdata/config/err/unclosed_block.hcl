resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"
  disk_backup_name = "a{"
  # a comment {
  description = <<EOT
  {
EOT

resource "tencentcloud_cbs_disk_backup" "b" {
  disk_id = "disk-qs100001"
}
