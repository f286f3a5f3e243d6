resource "x" "y" {
network_interface {
device_index = 0
access_config {
nat_ip = "1.2.3.4"
}
}
}
