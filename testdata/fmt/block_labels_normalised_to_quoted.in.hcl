resource aws_instance web {
}
provider aws {
}
module "a" {
}
