locals {
ключ = 1
a = 2
日本語 = 3
naïve = 4
}
