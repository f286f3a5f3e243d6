resource /* type */ "aws_instance" /* between */ "web" /* kept */ {
}
