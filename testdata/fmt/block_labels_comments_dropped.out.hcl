resource "aws_instance" "web" /* kept */ {
}
