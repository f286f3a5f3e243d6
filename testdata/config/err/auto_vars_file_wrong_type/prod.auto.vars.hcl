copies = "several"
unknown = 1
