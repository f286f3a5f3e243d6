region = var.region
count  = length(var.list)
