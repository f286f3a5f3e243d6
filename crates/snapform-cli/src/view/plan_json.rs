//! Terraform's JSON plan format 1.2 (`show -json PLANFILE`) and JSON state format 1.0 (`show
//! -json`), field by field as Terraform's `jsonplan`, `jsonstate` and `jsonconfig` write them,
//! so conftest/OPA policies and PR bots written for Terraform plans read snapform's unchanged.
//!
//! One deliberate difference: a sensitive value never appears. Terraform writes sensitive
//! values in clear text and marks them; snapform leaves the value out, as it leaves out unknown
//! values, and marks the path `true` in `before_sensitive`, `after_sensitive` and
//! `sensitive_values`. Sensitive outputs and variables are left out the same way.
//! snapform's own additions (`snapform_version`, `snapform_waits_for`) are extra fields that
//! Terraform tools ignore.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json, json};
use snapform_config::summary::{ConfigSummary, ExpressionSummary};
use snapform_core::schema::resource_schema;
use snapform_core::{InstanceKey, ResourceInstanceAddr, Value};
use snapform_planner::{Action, DriftKind, EdgeKind, Plan, PlanMode, ResourceChange};
use snapform_state::State;

/// The Terraform version whose formats these documents follow.
pub const TERRAFORM_VERSION: &str = "1.9.0";

/// The provider names Terraform's registry uses, so policies match them.
pub fn provider_name(provider: &str) -> &'static str {
    match provider {
        "alicloud" => "registry.terraform.io/aliyun/alicloud",
        _ => "registry.terraform.io/tencentcloudstack/tencentcloud",
    }
}

/// A value's type as Terraform's JSON writes types: `"string"`, `["tuple", [...]]`, ...
pub fn type_of(value: &Value) -> Json {
    match value {
        Value::Null | Value::Unknown => json!("dynamic"),
        Value::Bool(_) => json!("bool"),
        Value::Number(_) => json!("number"),
        Value::String(_) => json!("string"),
        Value::List(items) => json!(["tuple", items.iter().map(type_of).collect::<Vec<_>>()]),
        Value::Set(items) => json!(["set", items.first().map_or(json!("dynamic"), type_of)]),
        Value::Map(entries) => json!([
            "object",
            entries
                .iter()
                .map(|(key, value)| (key.clone(), type_of(value)))
                .collect::<Map<String, Json>>()
        ]),
        Value::Sensitive(inner) => type_of(inner),
    }
}

fn index(addr: &ResourceInstanceAddr) -> Option<Json> {
    match &addr.key {
        InstanceKey::None => None,
        InstanceKey::Int(index) => Some(json!(index)),
        InstanceKey::Str(key) => Some(json!(key)),
    }
}

/// `address`, `mode`, `type`, `name`, `index` and `provider_name`, the fields every resource
/// object starts with.
fn resource_identity(addr: &ResourceInstanceAddr, provider: &str) -> Map<String, Json> {
    let mut object = Map::new();
    // A generation of a series keeps its instance's address, so address- and type-based
    // policies keep working, and names its tick in `generation`.
    object.insert("address".into(), json!(addr.instance_text()));
    if let Some(tick) = &addr.generation {
        object.insert(
            "generation".into(),
            json!(tick.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
    }
    object.insert("mode".into(), json!("managed"));
    object.insert("type".into(), json!(addr.resource.type_name));
    object.insert("name".into(), json!(addr.resource.name));
    if let Some(index) = index(addr) {
        object.insert("index".into(), index);
    }
    object.insert("provider_name".into(), json!(provider_name(provider)));
    object
}

/// Attributes as JSON: unknown and sensitive values left out. With `type_name`, every argument
/// of the schema is present, `null` when unset, as Terraform's schema-driven values are.
fn values_json(
    attributes: &BTreeMap<String, Value>,
    sensitive: &BTreeSet<String>,
    type_name: Option<&str>,
) -> Json {
    let mut object = Map::new();
    if let Some(schema) = type_name.and_then(resource_schema) {
        for arg in schema.arguments {
            object.insert(arg.name.to_owned(), Json::Null);
        }
    }
    for (name, value) in attributes {
        if sensitive.contains(name) || matches!(value, Value::Sensitive(_)) {
            object.remove(name);
            continue;
        }
        match strip_unknown(value) {
            Some(json) => {
                object.insert(name.clone(), json);
            }
            None => {
                object.remove(name);
            }
        }
    }
    Json::Object(object)
}

/// A value without its unknown parts: an unknown attribute is left out (`None`), an unknown
/// list element becomes `null` so positions stay.
fn strip_unknown(value: &Value) -> Option<Json> {
    match value {
        Value::Unknown | Value::Sensitive(_) => None,
        Value::List(items) | Value::Set(items) => Some(Json::Array(
            items
                .iter()
                .map(|item| strip_unknown(item).unwrap_or(Json::Null))
                .collect(),
        )),
        Value::Map(entries) => Some(Json::Object(
            entries
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), strip_unknown(value)?)))
                .collect(),
        )),
        other => Some(other.to_json()),
    }
}

/// The `after_unknown` tree: `true` where a value is known only after apply; known values are
/// left out of objects and `false` in lists.
fn unknown_tree(value: &Value) -> Option<Json> {
    match value {
        Value::Unknown => Some(Json::Bool(true)),
        Value::List(items) | Value::Set(items) => {
            let tree: Vec<Json> = items
                .iter()
                .map(|item| unknown_tree(item).unwrap_or(Json::Bool(false)))
                .collect();
            tree.iter()
                .any(|t| *t != Json::Bool(false))
                .then_some(Json::Array(tree))
        }
        Value::Map(entries) => {
            let tree: Map<String, Json> = entries
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), unknown_tree(v)?)))
                .collect();
            (!tree.is_empty()).then_some(Json::Object(tree))
        }
        _ => None,
    }
}

fn after_unknown(after: Option<&BTreeMap<String, Value>>) -> Json {
    let tree: Map<String, Json> = after
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| Some((name.clone(), unknown_tree(value)?)))
        .collect();
    Json::Object(tree)
}

/// The sensitivity tree of one object: `{attr: true}` for each sensitive attribute it has, or
/// `false` when there is no object (a create's before, a delete's after).
fn sensitive_tree(values: Option<&BTreeMap<String, Value>>, sensitive: &BTreeSet<String>) -> Json {
    match values {
        None => Json::Bool(false),
        Some(values) => Json::Object(
            sensitive
                .iter()
                .filter(|name| values.contains_key(*name))
                .map(|name| (name.clone(), Json::Bool(true)))
                .collect(),
        ),
    }
}

fn change_json(change: &ResourceChange, plan: &Plan) -> Json {
    let mut object = resource_identity(&change.addr, &change.provider.name);
    if let Some(from) = &change.moved_from {
        object.insert("previous_address".into(), json!(from.to_string()));
    }
    if change.deposed
        && let Some(id) = &change.id
    {
        object.insert("deposed".into(), json!(id));
    }
    let type_name = change.addr.resource.type_name.as_str();
    let before = plan.object_before(change);
    let mut inner = Map::new();
    inner.insert("actions".into(), json!(change.action.terraform_actions()));
    inner.insert(
        "before".into(),
        before.as_deref().map_or(Json::Null, |before| {
            values_json(before, &change.before_sensitive, None)
        }),
    );
    let after = plan.object_after(change);
    inner.insert(
        "after".into(),
        after.as_deref().map_or(Json::Null, |after| {
            values_json(after, &change.after_sensitive, Some(type_name))
        }),
    );
    inner.insert("after_unknown".into(), after_unknown(after.as_deref()));
    inner.insert(
        "before_sensitive".into(),
        sensitive_tree(before.as_deref(), &change.before_sensitive),
    );
    inner.insert(
        "after_sensitive".into(),
        sensitive_tree(after.as_deref(), &change.after_sensitive),
    );
    if !change.replace_paths.is_empty() {
        inner.insert(
            "replace_paths".into(),
            Json::Array(change.replace_paths.iter().map(|p| json!([p])).collect()),
        );
    }
    if change.adopting {
        inner.insert("importing".into(), json!({ "id": change.id }));
    }
    if let Some(id) = &change.importing {
        inner.insert("importing".into(), json!({ "id": id }));
    }
    object.insert("change".into(), Json::Object(inner));
    if let Some(reason) = change.reason {
        object.insert(
            "action_reason".into(),
            serde_json::to_value(reason).unwrap_or(Json::Null),
        );
    }
    // snapform's own extension: the order apply follows, so reviewers and tools see it.
    let waits: Vec<Json> = change
        .waits_for
        .iter()
        .map(|(idx, kind)| {
            json!({
                "address": plan.changes[*idx].addr.to_string(),
                "kind": match kind {
                    EdgeKind::Dependency => "dependency",
                    EdgeKind::Conflict => "conflict",
                    EdgeKind::Successor => "successor",
                },
            })
        })
        .collect();
    if !waits.is_empty() {
        object.insert("snapform_waits_for".into(), Json::Array(waits));
    }
    Json::Object(object)
}

fn drift_json(drift: &snapform_planner::Drift) -> Json {
    let mut object = resource_identity(&drift.addr, &drift.provider.name);
    let with_id = |attributes: &BTreeMap<String, Value>| {
        let mut attributes = attributes.clone();
        attributes.insert("id".to_owned(), Value::String(drift.id.clone()));
        attributes
    };
    let before = drift.before.as_ref().map(with_id);
    let after = drift.after.as_ref().map(with_id);
    let actions = match drift.kind {
        DriftKind::Deleted => json!(["delete"]),
        DriftKind::Changed => json!(["update"]),
    };
    object.insert(
        "change".into(),
        json!({
            "actions": actions,
            "before": before.as_ref().map_or(Json::Null, |b| values_json(b, &drift.sensitive, None)),
            "after": after.as_ref().map_or(Json::Null, |a| values_json(a, &drift.sensitive, None)),
            "after_unknown": {},
            "before_sensitive": sensitive_tree(before.as_ref(), &drift.sensitive),
            "after_sensitive": sensitive_tree(after.as_ref(), &drift.sensitive),
        }),
    );
    Json::Object(object)
}

/// `values` of the JSON state: its outputs (sensitive values left out) and resources.
fn state_values(state: &State) -> Node<'_> {
    let resources = Node::array(move || {
        state.resources.iter().map(|record| {
            let mut object = resource_identity(&record.addr, &record.provider.name);
            object.insert("schema_version".into(), json!(0));
            let mut attributes = record.attributes.clone();
            attributes.insert("id".to_owned(), Value::String(record.id.clone()));
            object.insert(
                "values".into(),
                values_json(&attributes, &record.sensitive_attributes, None),
            );
            object.insert(
                "sensitive_values".into(),
                sensitive_tree(Some(&attributes), &record.sensitive_attributes),
            );
            if !record.dependencies.is_empty() {
                object.insert(
                    "depends_on".into(),
                    json!(
                        record
                            .dependencies
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                    ),
                );
            }
            if record.status == snapform_state::RecordStatus::Tainted {
                object.insert("tainted".into(), json!(true));
            }
            Json::Object(object)
        })
    });
    let mut values = BTreeMap::new();
    if !state.outputs.is_empty() {
        let outputs: Map<String, Json> = state
            .outputs
            .iter()
            .map(|(name, value)| {
                let sensitive = state.sensitive_outputs.contains(name);
                let mut object = json!({ "sensitive": sensitive });
                if !sensitive {
                    object["value"] = value.to_json();
                }
                object["type"] = type_of(value);
                (name.clone(), object)
            })
            .collect();
        values.insert("outputs".into(), Node::Json(Json::Object(outputs)));
    }
    let mut root = BTreeMap::new();
    if !state.resources.is_empty() {
        root.insert("resources".into(), resources);
    }
    values.insert("root_module".into(), Node::Object(root));
    Node::Object(values)
}

/// The JSON state document (`show -json` without a plan file, and a plan's `prior_state`):
/// only `format_version` when there is no state, or an empty one.
pub fn state_document(state: Option<&State>) -> Node<'_> {
    let mut document = BTreeMap::new();
    document.insert("format_version".into(), Node::Json(json!("1.0")));
    if let Some(state) = state
        && (!state.resources.is_empty() || !state.outputs.is_empty())
    {
        document.insert(
            "terraform_version".into(),
            Node::Json(json!(TERRAFORM_VERSION)),
        );
        document.insert("values".into(), state_values(state));
    }
    Node::Object(document)
}

fn expression_json(expression: &ExpressionSummary) -> Json {
    let mut object = Map::new();
    if let Some(value) = &expression.constant_value {
        object.insert("constant_value".into(), value.to_json());
    }
    if !expression.references.is_empty() {
        object.insert("references".into(), json!(expression.references));
    }
    Json::Object(object)
}

fn expressions_json(expressions: &BTreeMap<String, ExpressionSummary>) -> Json {
    Json::Object(
        expressions
            .iter()
            .map(|(name, expression)| (name.clone(), expression_json(expression)))
            .collect(),
    )
}

/// `configuration`: the providers, resources, variables and outputs as written.
fn configuration_json(summary: &ConfigSummary) -> Json {
    let mut document = Map::new();
    if !summary.providers.is_empty() {
        let providers: Map<String, Json> = summary
            .providers
            .iter()
            .map(|provider| {
                let mut object = Map::new();
                object.insert("name".into(), json!(provider.name));
                object.insert("full_name".into(), json!(provider_name(&provider.name)));
                if let Some(alias) = &provider.alias {
                    object.insert("alias".into(), json!(alias));
                }
                if !provider.expressions.is_empty() {
                    object.insert(
                        "expressions".into(),
                        expressions_json(&provider.expressions),
                    );
                }
                (provider.key.clone(), Json::Object(object))
            })
            .collect();
        document.insert("provider_config".into(), Json::Object(providers));
    }
    let mut root = Map::new();
    if !summary.outputs.is_empty() {
        let outputs: Map<String, Json> = summary
            .outputs
            .iter()
            .map(|output| {
                let mut object = Map::new();
                if output.sensitive {
                    object.insert("sensitive".into(), json!(true));
                }
                object.insert("expression".into(), expression_json(&output.expression));
                if let Some(description) = &output.description {
                    object.insert("description".into(), json!(description));
                }
                (output.name.clone(), Json::Object(object))
            })
            .collect();
        root.insert("outputs".into(), Json::Object(outputs));
    }
    if !summary.resources.is_empty() {
        let resources: Vec<Json> = summary
            .resources
            .iter()
            .map(|resource| {
                let (type_name, name) = resource
                    .address
                    .split_once('.')
                    .unwrap_or((resource.address.as_str(), ""));
                let mut object = Map::new();
                object.insert("address".into(), json!(resource.address));
                object.insert("mode".into(), json!("managed"));
                object.insert("type".into(), json!(type_name));
                object.insert("name".into(), json!(name));
                object.insert("provider_config_key".into(), json!(resource.provider_key));
                if !resource.expressions.is_empty() {
                    object.insert(
                        "expressions".into(),
                        expressions_json(&resource.expressions),
                    );
                }
                object.insert("schema_version".into(), json!(0));
                if let Some(count) = &resource.count_expression {
                    object.insert("count_expression".into(), expression_json(count));
                } else if let Some(for_each) = &resource.for_each_expression {
                    object.insert("for_each_expression".into(), expression_json(for_each));
                }
                if !resource.depends_on.is_empty() {
                    object.insert("depends_on".into(), json!(resource.depends_on));
                }
                Json::Object(object)
            })
            .collect();
        root.insert("resources".into(), Json::Array(resources));
    }
    if !summary.variables.is_empty() {
        let variables: Map<String, Json> = summary
            .variables
            .iter()
            .map(|variable| {
                let mut object = Map::new();
                if let Some(default) = &variable.default {
                    object.insert("default".into(), default.to_json());
                }
                if let Some(description) = &variable.description {
                    object.insert("description".into(), json!(description));
                }
                if variable.sensitive {
                    object.insert("sensitive".into(), json!(true));
                }
                (variable.name.clone(), Json::Object(object))
            })
            .collect();
        root.insert("variables".into(), Json::Object(variables));
    }
    document.insert("root_module".into(), Json::Object(root));
    Json::Object(document)
}

/// The attributes of other resources that the configuration reads, which drift may have
/// changed: `{resource, attribute}` for every resource reference with an attribute.
fn relevant_attributes(summary: &ConfigSummary) -> Vec<Json> {
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    let expressions = summary
        .resources
        .iter()
        .flat_map(|resource| resource.expressions.values())
        .chain(summary.outputs.iter().map(|output| &output.expression));
    for expression in expressions {
        for reference in &expression.references {
            let Some((type_name, _)) = reference.split_once('.') else {
                continue;
            };
            if resource_schema(type_name).is_none() {
                continue;
            }
            // The longest form names the attribute: `type.name[key].attr`.
            if let Some(dot) = reference.rfind('.')
                && reference[..dot].contains('.')
                && !reference[dot + 1..].contains(['[', '"'])
            {
                found.insert((reference[..dot].to_owned(), reference[dot + 1..].to_owned()));
            }
        }
    }
    found
        .into_iter()
        .map(|(resource, attribute)| json!({ "resource": resource, "attribute": [attribute] }))
        .collect()
}

/// The plan document.
#[cfg(test)]
pub fn render(plan: &Plan) -> Json {
    document(plan).into_json()
}

/// The plan document as a [`Node`], whose lists of resources and changes are made one element
/// at a time as it is written.
pub fn document(plan: &Plan) -> Node<'_> {
    let destroying = plan.mode == PlanMode::Destroy;
    let mut document = Map::new();
    document.insert("format_version".into(), json!("1.2"));
    document.insert("terraform_version".into(), json!(TERRAFORM_VERSION));
    document.insert("snapform_version".into(), json!(env!("CARGO_PKG_VERSION")));

    let variables: Map<String, Json> = plan
        .configuration
        .variables
        .iter()
        .map(|variable| {
            let mut object = Map::new();
            if let Some(value) = &variable.value {
                object.insert("value".into(), value.to_json());
            }
            (variable.name.clone(), Json::Object(object))
        })
        .collect();
    if !variables.is_empty() {
        document.insert("variables".into(), Json::Object(variables));
    }

    // planned_values: what exists after apply.
    let mut planned = Map::new();
    if !destroying {
        let outputs: Map<String, Json> = plan
            .outputs
            .iter()
            .map(|(name, value)| {
                let sensitive = plan.sensitive_outputs.contains(name);
                let mut object = json!({ "sensitive": sensitive });
                if value.is_known() && !matches!(value, Value::Sensitive(_)) {
                    object["type"] = type_of(value);
                    if !sensitive {
                        object["value"] = value.to_json();
                    }
                }
                (name.clone(), object)
            })
            .collect();
        if !outputs.is_empty() {
            planned.insert("outputs".into(), Json::Object(outputs));
        }
    }
    let planned_resource = |change: &ResourceChange| {
        if change.deposed || change.action == Action::Delete {
            return None;
        }
        {
            let after = plan.object_after(change)?;
            let after = after.as_ref();
            let mut object = resource_identity(&change.addr, &change.provider.name);
            object.insert("schema_version".into(), json!(0));
            object.insert(
                "values".into(),
                values_json(
                    after,
                    &change.after_sensitive,
                    Some(&change.addr.resource.type_name),
                ),
            );
            object.insert(
                "sensitive_values".into(),
                sensitive_tree(Some(after), &change.after_sensitive),
            );
            Some(Json::Object(object))
        }
    };
    let mut root = BTreeMap::new();
    if plan.changes.iter().any(|change| {
        !change.deposed && change.action != Action::Delete && change.has_object_after()
    }) {
        root.insert(
            "resources".into(),
            Node::array(move || plan.changes.iter().filter_map(planned_resource)),
        );
    }
    let mut planned: BTreeMap<String, Node<'_>> = planned
        .into_iter()
        .map(|(key, value)| (key, Node::Json(value)))
        .collect();
    planned.insert("root_module".into(), Node::Object(root));
    let mut document: BTreeMap<String, Node<'_>> = document
        .into_iter()
        .map(|(key, value)| (key, Node::Json(value)))
        .collect();
    document.insert("planned_values".into(), Node::Object(planned));

    if !plan.drift.is_empty() {
        document.insert(
            "resource_drift".into(),
            Node::Json(Json::Array(plan.drift.iter().map(drift_json).collect())),
        );
    }
    if !plan.changes.is_empty() {
        document.insert(
            "resource_changes".into(),
            Node::array(move || {
                plan.changes
                    .iter()
                    .map(move |change| change_json(change, plan))
            }),
        );
    }
    let output_changes = output_changes(plan);
    let outputs_change = output_changes
        .values()
        .any(|change| change["actions"] != json!(["no-op"]));
    if !output_changes.is_empty() {
        document.insert(
            "output_changes".into(),
            Node::Json(Json::Object(output_changes)),
        );
    }
    let prior = &plan.prior_state;
    if !prior.resources.is_empty() || !prior.outputs.is_empty() {
        document.insert("prior_state".into(), state_document(Some(prior)));
    }
    let mut last = Map::new();
    last.insert(
        "configuration".into(),
        configuration_json(&plan.configuration),
    );
    let relevant = relevant_attributes(&plan.configuration);
    if !relevant.is_empty() {
        last.insert("relevant_attributes".into(), Json::Array(relevant));
    }
    last.insert(
        "timestamp".into(),
        json!(plan.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    last.insert(
        "applyable".into(),
        json!(plan.has_changes() || outputs_change),
    );
    last.insert("complete".into(), json!(!plan.targeted));
    last.insert("errored".into(), json!(false));
    document.extend(
        last.into_iter()
            .map(|(key, value)| (key, Node::Json(value))),
    );
    Node::Object(document)
}

/// A JSON document whose long lists (a resource or a change per instance) are made element by
/// element while it is serialized, so `show -json` of a fleet's plan never holds the whole
/// document: its serialization is byte for byte that of [`Node::into_json`]'s value (objects
/// with their keys in order, as `serde_json::Map` keeps them).
pub enum Node<'a> {
    /// A value made already.
    Json(Json),
    /// An object.
    Object(BTreeMap<String, Node<'a>>),
    /// An array, made when it is written.
    Array(Box<dyn Fn() -> Box<dyn Iterator<Item = Json> + 'a> + 'a>),
}

impl<'a> Node<'a> {
    fn array<I: Iterator<Item = Json> + 'a>(items: impl Fn() -> I + 'a) -> Node<'a> {
        Node::Array(Box::new(move || Box::new(items())))
    }

    /// The whole document as one value.
    #[cfg(test)]
    pub fn into_json(self) -> Json {
        match self {
            Node::Json(json) => json,
            Node::Object(entries) => Json::Object(
                entries
                    .into_iter()
                    .map(|(key, node)| (key, node.into_json()))
                    .collect(),
            ),
            Node::Array(items) => Json::Array(items().collect()),
        }
    }
}

impl serde::Serialize for Node<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Node::Json(json) => json.serialize(serializer),
            Node::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, node) in entries {
                    map.serialize_entry(key, node)?;
                }
                map.end()
            }
            Node::Array(items) => {
                let mut seq = serializer.serialize_seq(None)?;
                for item in items() {
                    seq.serialize_element(&item)?;
                }
                seq.end()
            }
        }
    }
}

/// `output_changes`: each output's action, before and after (sensitive values left out).
fn output_changes(plan: &Plan) -> Map<String, Json> {
    let before = &plan.prior_state.outputs;
    let was_sensitive = |name: &String| plan.prior_state.sensitive_outputs.contains(name);
    let mut changes = Map::new();
    let shown = |value: &Value, sensitive: bool| {
        if sensitive {
            Json::Null
        } else {
            value.to_json()
        }
    };
    if plan.mode != PlanMode::Destroy {
        for (name, value) in &plan.outputs {
            let sensitive = plan.sensitive_outputs.contains(name);
            let old = before.get(name);
            let actions = match old {
                None if *value == Value::Null => json!(["no-op"]),
                None => json!(["create"]),
                Some(old) if old == value => json!(["no-op"]),
                Some(_) => json!(["update"]),
            };
            let mut object = Map::new();
            object.insert("actions".into(), actions);
            object.insert(
                "before".into(),
                old.map_or(Json::Null, |old| {
                    shown(old, sensitive || was_sensitive(name))
                }),
            );
            let unknown = !value.is_known();
            if !unknown && !sensitive {
                object.insert("after".into(), value.to_json());
            } else if unknown && let Some(tree) = unknown_tree(value) {
                if !matches!(value, Value::Unknown) && !sensitive {
                    object.insert("after".into(), strip_unknown(value).unwrap_or(Json::Null));
                }
                object.insert("after_unknown".into(), tree);
            }
            object.entry("after_unknown").or_insert(json!(false));
            object.insert(
                "before_sensitive".into(),
                json!(sensitive || was_sensitive(name)),
            );
            object.insert("after_sensitive".into(), json!(sensitive));
            changes.insert(name.clone(), Json::Object(object));
        }
    }
    for (name, value) in before {
        if plan.mode != PlanMode::Destroy && plan.outputs.contains_key(name) {
            continue;
        }
        let sensitive = was_sensitive(name);
        changes.insert(
            name.clone(),
            json!({
                "actions": ["delete"],
                "before": shown(value, sensitive),
                "after": null,
                "after_unknown": false,
                "before_sensitive": sensitive,
                "after_sensitive": sensitive,
            }),
        );
    }
    changes
}
