locals {
  prefix = "nightly"
}

locals {
  prefix = "weekly"
}
