//! Values as the planner compares them, and the known attributes it hands back to the
//! configuration as it walks the graph.

use std::collections::{BTreeMap, BTreeSet};

use snapform_config::ResourceValues;
use snapform_core::ResourceSchema;
use snapform_core::schema::{AttrType, Constraint};
use snapform_core::{InstanceKey, ResourceAddr, ResourceInstanceAddr, Value};

use snapform_state::State;

use crate::model::ResourceChange;

/// Brings a value to the form in which equal values are equal: sets sorted, lists of a set
/// argument made sets, enumerations that ignore case lowercased.
pub fn normalize(schema: &ResourceSchema, name: &str, value: &Value) -> Value {
    let Some(arg) = schema.argument(name) else {
        return value.clone();
    };
    match (arg.ty, value) {
        (AttrType::SetOfString, Value::List(items) | Value::Set(items)) => {
            Value::set(items.iter().cloned())
        }
        (AttrType::String, Value::String(text))
            if arg.constraints.iter().any(|c| {
                matches!(
                    c,
                    Constraint::OneOf {
                        ignore_case: true,
                        ..
                    }
                )
            }) =>
        {
            Value::String(text.to_lowercase())
        }
        (AttrType::Number, Value::String(text)) => text
            .parse()
            .map(Value::Number)
            .unwrap_or_else(|_| value.clone()),
        _ => value.clone(),
    }
}

/// The schema arguments of `attributes`, normalized; unset arguments are absent.
pub fn normalize_arguments(
    schema: &ResourceSchema,
    attributes: &BTreeMap<String, Value>,
) -> BTreeMap<String, Value> {
    schema
        .arguments
        .iter()
        .filter_map(|arg| {
            let value = attributes.get(arg.name)?;
            (*value != Value::Null)
                .then(|| (arg.name.to_owned(), normalize(schema, arg.name, value)))
        })
        .collect()
}

/// The arguments of `addr` evaluated against `state`: during apply, arguments that referenced
/// resources created since the plan resolve now. `None` when the configuration lacks it.
pub fn arguments_now(
    config: &snapform_config::Config,
    addr: &ResourceInstanceAddr,
    state: &snapform_state::State,
) -> Option<BTreeMap<String, Value>> {
    // A generation's arguments are those of its tick (`rotation.time`).
    let (instances, _) =
        config.evaluate_resource_at(&addr.resource, &StateValues::over(state), addr.generation);
    let instance_addr = addr.instance();
    instances
        .into_iter()
        .find(|instance| instance.addr == instance_addr)
        .map(|instance| instance.arguments)
}

/// The outputs the configuration defines over `state`, those that are known.
pub fn outputs_now(
    config: &snapform_config::Config,
    state: &snapform_state::State,
) -> BTreeMap<String, Value> {
    let (outputs, _) = config.evaluate_outputs(&StateValues::over(state));
    outputs
        .into_iter()
        .filter(|(_, value)| value.is_known())
        .collect()
}

/// The recorded attributes (with `id`) of the resources in `state`, as the configuration reads
/// them, made only for the instances an expression reads: for outputs after apply and for
/// arguments that waited on earlier creates. A copy of every record would be the largest
/// thing apply holds, and made once per waiting argument it would make apply quadratic.
pub struct StateValues<'s> {
    state: &'s snapform_state::State,
}

impl<'s> StateValues<'s> {
    /// A view of `state`.
    pub fn over(state: &'s snapform_state::State) -> StateValues<'s> {
        StateValues { state }
    }

    fn value_of(record: &snapform_state::ResourceRecord) -> Value {
        let mut value = object(
            record.schema(),
            &record.attributes,
            &record.sensitive_attributes,
        );
        if let Value::Map(object) = &mut value {
            object.insert("id".to_owned(), Value::String(record.id.clone()));
        }
        value
    }
}

impl ResourceValues for StateValues<'_> {
    fn instance(&self, addr: &ResourceInstanceAddr) -> Option<Value> {
        if addr.generation.is_some() {
            return self.state.resources.get(addr).map(StateValues::value_of);
        }
        // A reference to a series' instance reads its newest generation; generations come
        // oldest first, so the last one wins.
        self.state
            .resources
            .generations_of(addr)
            .last()
            .map(StateValues::value_of)
    }

    fn instances(&self, addr: &ResourceAddr) -> Option<Vec<(InstanceKey, Value)>> {
        let mut found: Vec<(InstanceKey, Value)> = Vec::new();
        let mut records = self.state.resources.instances_of(addr).peekable();
        while let Some(record) = records.next() {
            // One value per key: a series' newest generation.
            if records
                .peek()
                .is_some_and(|next| next.addr.key == record.addr.key)
            {
                continue;
            }
            found.push((record.addr.key.clone(), StateValues::value_of(record)));
        }
        Some(found)
    }
}

/// The attributes of the instances planned so far, as the configuration reads them.
#[derive(Default)]
pub struct PlannedValues {
    instances: BTreeMap<ResourceInstanceAddr, Value>,
}

impl PlannedValues {
    /// Records an instance's attributes after the plan; every schema attribute is present
    /// (null when unset), so reading an unset argument gives null rather than an error.
    /// Attributes named in `sensitive` are marked, so what reads them is marked too.
    pub fn insert(
        &mut self,
        addr: ResourceInstanceAddr,
        schema: Option<&ResourceSchema>,
        attributes: &BTreeMap<String, Value>,
        sensitive: &BTreeSet<String>,
    ) {
        self.instances
            .insert(addr, object(schema, attributes, sensitive));
    }
}

impl PlannedValues {
    /// The `after` of every change, copied: what [`ChangeValues`] reads on demand.
    /// `state` is the plan's prior state, which keeps the object of an instance left as
    /// recorded (`ResourceChange::before_recorded`).
    pub(crate) fn of_changes(changes: &[ResourceChange], state: &State) -> PlannedValues {
        let mut values = PlannedValues::default();
        for change in changes {
            if let Some(after) = crate::model::object_after_in(state, change) {
                values.insert(
                    change.addr.clone(),
                    Some(change.schema),
                    &after,
                    &change.after_sensitive,
                );
            }
        }
        values
    }
}

/// An instance's attributes as the configuration reads them: every schema attribute present
/// (null when unset), those named in `sensitive` marked.
fn object(
    schema: Option<&ResourceSchema>,
    attributes: &BTreeMap<String, Value>,
    sensitive: &BTreeSet<String>,
) -> Value {
    let mut object: BTreeMap<String, Value> = BTreeMap::new();
    for name in schema.into_iter().flat_map(ResourceSchema::attribute_names) {
        object.insert(name.to_owned(), Value::Null);
    }
    object.extend(attributes.iter().map(|(key, value)| {
        let value = value.clone().marked_if(sensitive.contains(key));
        (key.clone(), value)
    }));
    Value::Map(object)
}

/// The planned changes as the configuration reads them (what [`PlannedValues`] holds for
/// each change's `after`), made only for the instances an expression reads: the outputs of a
/// fleet read a few of them, and a copy of every instance's attributes would be the largest
/// thing the plan holds.
pub(crate) struct ChangeValues<'c> {
    /// Sorted by address, deposed objects after the current one ([`ChangeValues::over`]).
    changes: &'c [ResourceChange],
    /// The plan's prior state, which keeps the object of an instance left as recorded.
    state: &'c State,
}

impl<'c> ChangeValues<'c> {
    /// A view of `changes`, when they are sorted by address.
    pub(crate) fn over(
        changes: &'c [ResourceChange],
        state: &'c State,
    ) -> Option<ChangeValues<'c>> {
        changes
            .windows(2)
            .all(|pair| (&pair[0].addr, pair[0].deposed) <= (&pair[1].addr, pair[1].deposed))
            .then_some(ChangeValues { changes, state })
    }

    fn value_of(&self, change: &ResourceChange) -> Option<Value> {
        if change.deposed {
            return None;
        }
        let after = crate::model::object_after_in(self.state, change)?;
        Some(object(Some(change.schema), &after, &change.after_sensitive))
    }
}

impl ResourceValues for ChangeValues<'_> {
    fn instance(&self, addr: &ResourceInstanceAddr) -> Option<Value> {
        let start = self.changes.partition_point(|change| &change.addr < addr);
        self.changes[start..]
            .iter()
            .take_while(|change| &change.addr == addr)
            .find_map(|change| self.value_of(change))
    }

    fn instances(&self, addr: &ResourceAddr) -> Option<Vec<(InstanceKey, Value)>> {
        let first = addr.instance(InstanceKey::None);
        let start = self.changes.partition_point(|change| change.addr < first);
        let found = self.changes[start..]
            .iter()
            .take_while(|change| &change.addr.resource == addr)
            .filter_map(|change| Some((change.addr.key.clone(), self.value_of(change)?)))
            .collect();
        Some(found)
    }
}

impl ResourceValues for PlannedValues {
    fn instance(&self, addr: &ResourceInstanceAddr) -> Option<Value> {
        self.instances.get(addr).cloned()
    }

    fn instances(&self, addr: &ResourceAddr) -> Option<Vec<(InstanceKey, Value)>> {
        let start = addr.instance(InstanceKey::None);
        let found: Vec<(InstanceKey, Value)> = self
            .instances
            .range(start..)
            .take_while(|(instance, _)| &instance.resource == addr)
            .map(|(instance, value)| (instance.key.clone(), value.clone()))
            .collect();
        Some(found)
    }
}

#[cfg(test)]
mod tests {
    use snapform_core::schema::{alicloud, tencentcloud};

    use super::*;

    #[test]
    fn equal_values_normalize_equal() {
        let list = Value::List(vec![Value::string("disk-b"), Value::string("disk-a")]);
        let set = Value::set([Value::string("disk-a"), Value::string("disk-b")]);
        assert_eq!(
            normalize(&tencentcloud::CBS_SNAPSHOT_GROUP, "disk_ids", &list),
            set
        );
        assert_eq!(
            normalize(
                &alicloud::ECD_SNAPSHOT,
                "source_disk_type",
                &Value::string("SYSTEM")
            ),
            Value::string("system")
        );
        assert_eq!(
            normalize(
                &alicloud::ECD_SNAPSHOT,
                "snapshot_name",
                &Value::string("Desk")
            ),
            Value::string("Desk"),
            "case matters for names"
        );
    }

    fn change(addr: &str, after: Option<&[(&str, &str)]>, deposed: bool) -> ResourceChange {
        ResourceChange {
            addr: addr.parse().expect("an address"),
            schema: &tencentcloud::CBS_DISK_BACKUP,
            provider: snapform_core::ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            action: crate::model::Action::Create,
            reason: None,
            reason_detail: None,
            moved_from: None,
            expires_after: None,
            replace_paths: Vec::new(),
            id: None,
            before: None,
            before_as_after: false,
            before_recorded: false,
            after: after.map(|pairs| {
                pairs
                    .iter()
                    .map(|(name, value)| ((*name).to_owned(), Value::string(*value)))
                    .collect()
            }),
            before_sensitive: BTreeSet::new(),
            after_sensitive: BTreeSet::from(["disk_backup_name".to_owned()]),
            adopting: false,
            importing: None,
            deposed,
            awaits_readiness: false,
            waits_for: Vec::new(),
            dependencies: Vec::new(),
            timeouts: crate::model::Timeouts::default(),
        }
    }

    #[test]
    fn the_changes_read_on_demand_are_the_values_a_copy_of_them_holds() {
        let changes = vec![
            change(
                "tencentcloud_cbs_disk_backup.a",
                Some(&[("disk_id", "disk-1")]),
                false,
            ),
            change(
                "tencentcloud_cbs_disk_backup.fleet[\"db\"]",
                Some(&[("disk_id", "disk-2"), ("disk_backup_name", "secret")]),
                false,
            ),
            change("tencentcloud_cbs_disk_backup.fleet[\"db\"]", None, true),
            change("tencentcloud_cbs_disk_backup.fleet[\"gone\"]", None, false),
            change(
                "tencentcloud_cbs_disk_backup.fleet[\"web\"]",
                Some(&[("disk_id", "disk-3")]),
                false,
            ),
        ];
        let state = State::default();
        let copied = PlannedValues::of_changes(&changes, &state);
        let on_demand = ChangeValues::over(&changes, &state).expect("sorted");
        for change in &changes {
            assert_eq!(
                on_demand.instance(&change.addr),
                copied.instance(&change.addr),
                "{}",
                change.addr
            );
        }
        for resource in [
            "tencentcloud_cbs_disk_backup.a",
            "tencentcloud_cbs_disk_backup.fleet",
            "tencentcloud_cbs_disk_backup.none",
        ] {
            let resource: ResourceAddr = resource.parse().expect("an address");
            assert_eq!(
                on_demand.instances(&resource),
                copied.instances(&resource),
                "{resource}"
            );
        }
        let fleet: ResourceAddr = "tencentcloud_cbs_disk_backup.fleet"
            .parse()
            .expect("an address");
        assert_eq!(on_demand.instances(&fleet).expect("known").len(), 2);
        let mut unsorted = changes.clone();
        unsorted.swap(0, 4);
        assert!(
            ChangeValues::over(&unsorted, &state).is_none(),
            "only sorted changes are searched"
        );
    }

    fn record(addr: &str, id: &str, name: &str) -> snapform_state::ResourceRecord {
        snapform_state::ResourceRecord {
            addr: addr.parse().expect("an address"),
            provider: snapform_core::ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            id: id.to_owned(),
            attributes: BTreeMap::from([
                ("disk_id".to_owned(), Value::string("disk-1")),
                ("disk_backup_name".to_owned(), Value::string(name)),
            ]),
            dependencies: Vec::new(),
            status: snapform_state::RecordStatus::Ready,
            sensitive_attributes: BTreeSet::from(["disk_backup_name".to_owned()]),
        }
    }

    #[test]
    fn the_state_read_on_demand_gives_ids_marks_and_a_series_newest_generation() {
        let mut state = snapform_state::State::default();
        for record in [
            record("tencentcloud_cbs_disk_backup.a", "dbp-a", "a"),
            record(
                "tencentcloud_cbs_disk_backup.fleet[\"db\"]@2026-12-01T00:00:00Z",
                "dbp-old",
                "old",
            ),
            record(
                "tencentcloud_cbs_disk_backup.fleet[\"db\"]@2026-12-02T00:00:00Z",
                "dbp-new",
                "new",
            ),
            record(
                "tencentcloud_cbs_disk_backup.fleet[\"web\"]",
                "dbp-web",
                "web",
            ),
        ] {
            state.resources.insert(record);
        }
        let values = StateValues::over(&state);
        let id_of = |addr: &str| {
            let addr: ResourceInstanceAddr = addr.parse().expect("an address");
            match values.instance(&addr) {
                Some(Value::Map(object)) => {
                    assert_eq!(
                        object
                            .get("disk_backup_name")
                            .map(|value| matches!(value, Value::Sensitive(_))),
                        Some(true),
                        "{addr}: what the record marks stays marked"
                    );
                    assert_eq!(
                        object.get("disk_size"),
                        Some(&Value::Null),
                        "{addr}: every attribute of the schema is there"
                    );
                    object.get("id").cloned()
                }
                other => panic!("{addr}: {other:?}"),
            }
        };
        assert_eq!(
            id_of("tencentcloud_cbs_disk_backup.a"),
            Some(Value::string("dbp-a"))
        );
        assert_eq!(
            id_of("tencentcloud_cbs_disk_backup.fleet[\"db\"]"),
            Some(Value::string("dbp-new")),
            "a series reads its newest generation"
        );
        assert_eq!(
            id_of("tencentcloud_cbs_disk_backup.fleet[\"db\"]@2026-12-01T00:00:00Z"),
            Some(Value::string("dbp-old")),
            "a generation reads itself"
        );
        let missing: ResourceInstanceAddr = "tencentcloud_cbs_disk_backup.fleet[\"gone\"]"
            .parse()
            .expect("an address");
        assert_eq!(values.instance(&missing), None);
        let fleet: ResourceAddr = "tencentcloud_cbs_disk_backup.fleet"
            .parse()
            .expect("an address");
        let keys: Vec<String> = values
            .instances(&fleet)
            .expect("known")
            .into_iter()
            .map(|(key, _)| key.to_string())
            .collect();
        assert_eq!(keys, ["[\"db\"]", "[\"web\"]"], "one value per key");
    }
}
