# Backups are history: deleting or replacing one needs a reviewer's attention.
package snapform.deletes

import rego.v1

deny contains msg if {
	some change in input.resource_changes
	"delete" in change.change.actions
	not change.change.actions == ["delete", "create"]
	not change.change.actions == ["create", "delete"]
	msg := sprintf("%s will be destroyed (%s)", [change.address, object.get(change, "action_reason", "no reason given")])
}

deny contains msg if {
	some change in input.resource_changes
	change.change.actions == ["delete", "create"]
	msg := sprintf("%s will be deleted before its replacement exists", [change.address])
}

warn contains msg if {
	some change in input.resource_changes
	change.change.actions == ["create", "delete"]
	msg := sprintf("%s will be replaced (%s)", [change.address, concat(", ", [p | some path in object.get(change.change, "replace_paths", []); p := concat(".", path)])])
}
