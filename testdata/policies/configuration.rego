# Disks come from documented variables or literals, never from other resources.
package snapform.configuration

import rego.v1

deny contains msg if {
	some resource in input.configuration.root_module.resources
	some name in {"disk_id", "disk_ids", "instance_id", "desktop_id"}
	some reference in resource.expressions[name].references
	startswith(reference, "var.")
	variable := split(reference, ".")[1]
	not input.configuration.root_module.variables[variable].description
	msg := sprintf("%s.%s reads var.%s, which has no description", [resource.address, name, variable])
}

warn contains msg if {
	some resource in input.configuration.root_module.resources
	resource.for_each_expression
	not resource.for_each_expression.references
	msg := sprintf("%s iterates over a literal; a variable lets each environment choose", [resource.address])
}
