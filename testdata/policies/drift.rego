# Changes made outside snapform are reported, with what they touched.
package snapform.drift

import rego.v1

warn contains msg if {
	some drift in input.resource_drift
	drift.change.actions == ["delete"]
	msg := sprintf("%s (id %s) was deleted outside snapform", [drift.address, drift.change.before.id])
}

warn contains msg if {
	some drift in input.resource_drift
	drift.change.actions == ["update"]
	changed := [key | some key, value in drift.change.after; drift.change.before[key] != value]
	msg := sprintf("%s was changed outside snapform: %s", [drift.address, concat(", ", sort(changed))])
}
