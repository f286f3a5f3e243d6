# Outputs other systems read are not removed silently, and secrets are marked.
package snapform.outputs

import rego.v1

deny contains msg if {
	some name, change in input.output_changes
	change.actions == ["delete"]
	msg := sprintf("output %s will be removed", [name])
}

warn contains msg if {
	some name, output in input.planned_values.outputs
	output.sensitive
	msg := sprintf("output %s is sensitive", [name])
}
