output "ids" {
  description = "forgot the value"
}
