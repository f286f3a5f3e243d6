# Snapshot groups carry a team tag that the policy can read.
package snapform.tags

import rego.v1

groups contains change if {
	some change in input.resource_changes
	change.type == "tencentcloud_cbs_snapshot_group"
	some action in change.change.actions
	action in {"create", "update"}
}

deny contains msg if {
	some change in groups
	sensitive_attribute(change, "tags")
	msg := sprintf("%s: tags are sensitive, so their team cannot be checked", [change.address])
}

deny contains msg if {
	some change in groups
	not sensitive_attribute(change, "tags")
	not change.change.after.tags.team
	msg := sprintf("%s has no team tag", [change.address])
}

sensitive_attribute(change, attribute) if {
	is_object(change.change.after_sensitive)
	change.change.after_sensitive[attribute] == true
}
