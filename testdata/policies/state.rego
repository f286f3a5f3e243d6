# What the state holds before the plan: tainted records, and variables the plan ran with.
package snapform.state

import rego.v1

warn contains msg if {
	some resource in input.prior_state.values.root_module.resources
	resource.tainted
	msg := sprintf("%s is tainted in the state", [resource.address])
}

deny contains msg if {
	some name, variable in input.variables
	name == "environment"
	not variable.value in {"demo", "staging", "production"}
	msg := sprintf("environment %v is not one we deploy", [variable.value])
}

warn contains msg if {
	input.complete == false
	msg := "the plan is targeted, so it may not show every change"
}
