# Names start with a lower-case letter; a sensitive name cannot be checked.
package snapform.names

import rego.v1

name_attribute := {
	"tencentcloud_lighthouse_snapshot": "snapshot_name",
	"tencentcloud_cbs_disk_backup": "disk_backup_name",
	"alicloud_ecd_snapshot": "snapshot_name",
	"alicloud_ens_snapshot": "snapshot_name",
	"tencentcloud_cbs_snapshot_group": "snapshot_group_name",
}

deny contains msg if {
	some change in input.resource_changes
	attribute := name_attribute[change.type]
	change.change.after != null
	name := change.change.after[attribute]
	is_string(name)
	not regex.match(`^[a-z]`, name)
	msg := sprintf("%s: %s %q must start with a lower-case letter", [change.address, attribute, name])
}

warn contains msg if {
	some change in input.resource_changes
	attribute := name_attribute[change.type]
	sensitive_attribute(change, attribute)
	msg := sprintf("%s: %s is sensitive and was not checked", [change.address, attribute])
}

sensitive_attribute(change, attribute) if {
	is_object(change.change.after_sensitive)
	change.change.after_sensitive[attribute] == true
}
