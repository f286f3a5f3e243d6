region = "ap-guangzhou"
