resource "x" "y" {
name = "${var.name}"
id = "${aws_instance.web.id}"
call = "${lookup(var.map, "key")}"
nested_quotes = "${format("%s-${var.suffix}", var.prefix)}"
}
