locals {
  tags = {
    Name        = "web"
    Environment = "prod"
  }
  ports = [
    80,
    443,
  ]
  nested = [
    {
      a = 1
    },
    {
      b = 2
    },
  ]
}
