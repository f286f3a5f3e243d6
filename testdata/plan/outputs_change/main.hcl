resource "tencentcloud_lighthouse_snapshot" "blog" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "blog"
}

resource "tencentcloud_lighthouse_snapshot" "shop" {
  instance_id = "lhins-qs100002"
}

output "blog_id" {
  value = tencentcloud_lighthouse_snapshot.blog.id
}

output "shop_id" {
  value = tencentcloud_lighthouse_snapshot.shop.id
}

output "secret" {
  value     = "s3cr3t"
  sensitive = true
}
