//! Values as the planner compares them, and the known attributes it hands back to the
//! configuration as it walks the graph.

use std::collections::{BTreeMap, BTreeSet};

use snapform_config::ResourceValues;
use snapform_core::ResourceSchema;
use snapform_core::schema::{AttrType, Constraint};
use snapform_core::{InstanceKey, ResourceAddr, ResourceInstanceAddr, Value};

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
        config.evaluate_resource_at(&addr.resource, &values_of_state(state), addr.generation);
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
    let (outputs, _) = config.evaluate_outputs(&values_of_state(state));
    outputs
        .into_iter()
        .filter(|(_, value)| value.is_known())
        .collect()
}

/// The recorded attributes (with `id`) of every resource in `state`, as the configuration
/// reads them: for outputs after apply and for arguments that waited on earlier creates.
pub fn values_of_state(state: &snapform_state::State) -> PlannedValues {
    let mut values = PlannedValues::default();
    for record in &state.resources {
        let mut attributes = record.attributes.clone();
        attributes.insert("id".to_owned(), Value::String(record.id.clone()));
        values.insert(
            record.addr.clone(),
            record.schema(),
            &attributes,
            &record.sensitive_attributes,
        );
        // A reference to a series' instance reads its newest generation; generations come
        // oldest first, so the last one wins.
        if record.addr.generation.is_some() {
            values.insert(
                record.addr.instance(),
                record.schema(),
                &attributes,
                &record.sensitive_attributes,
            );
        }
    }
    values
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
        let mut object: BTreeMap<String, Value> = BTreeMap::new();
        for name in schema.into_iter().flat_map(ResourceSchema::attribute_names) {
            object.insert(name.to_owned(), Value::Null);
        }
        object.extend(attributes.iter().map(|(key, value)| {
            let value = value.clone().marked_if(sensitive.contains(key));
            (key.clone(), value)
        }));
        self.instances.insert(addr, Value::Map(object));
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
}
