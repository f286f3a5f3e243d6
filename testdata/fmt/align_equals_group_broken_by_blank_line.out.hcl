locals {
  a           = 1
  longer_name = 2

  b                = 3
  even_longer_name = 4
}
