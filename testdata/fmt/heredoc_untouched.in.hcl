locals {
script = <<EOT
#!/bin/bash
  echo   "keep    spacing"
	tab indented
EOT
after = 1
}
