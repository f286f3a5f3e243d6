locals {
  a = "héllo"   # one
  b = "日本"      # two
  c = "e\u0301" # three
  d = "plain"   # four
}
