region = "ap-shanghai"
disks  = ["disk-qs200001", "disk-qs200002"]
