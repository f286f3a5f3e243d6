//! Terraform's JSON plan format (`show -json`, format 1.2), so conftest/OPA policies and PR
//! bots written for Terraform plans read snapform's unchanged.

use serde_json::{Map, Value as Json, json};
use snapform_core::{InstanceKey, ResourceInstanceAddr, Value};
use snapform_planner::{EdgeKind, Plan, ResourceChange};
use snapform_state::State;

/// The provider names Terraform's registry uses, so policies match them.
pub fn provider_name(provider: &str) -> &'static str {
    match provider {
        "alicloud" => "registry.terraform.io/aliyun/alicloud",
        _ => "registry.terraform.io/tencentcloudstack/tencentcloud",
    }
}

fn index(addr: &ResourceInstanceAddr) -> Option<Json> {
    match &addr.key {
        InstanceKey::None => None,
        InstanceKey::Int(index) => Some(json!(index)),
        InstanceKey::Str(key) => Some(json!(key)),
    }
}

/// The `after_unknown` tree: `true` where a value is known only after apply.
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

fn attributes_json(attributes: &std::collections::BTreeMap<String, Value>) -> Json {
    Json::Object(
        attributes
            .iter()
            .filter(|(_, value)| **value != Value::Unknown)
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect(),
    )
}

fn resource_identity(addr: &ResourceInstanceAddr, provider: &str) -> Map<String, Json> {
    let mut object = Map::new();
    object.insert("address".into(), json!(addr.to_string()));
    object.insert("mode".into(), json!("managed"));
    object.insert("type".into(), json!(addr.resource.type_name));
    object.insert("name".into(), json!(addr.resource.name));
    if let Some(index) = index(addr) {
        object.insert("index".into(), index);
    }
    object.insert("provider_name".into(), json!(provider_name(provider)));
    object
}

fn change_json(change: &ResourceChange, plan: &Plan) -> Json {
    let mut object = resource_identity(&change.addr, &change.provider.name);
    let after_unknown = change
        .after
        .as_ref()
        .map(|after| unknown_tree(&Value::Map(after.clone())).unwrap_or_else(|| json!({})))
        .unwrap_or_else(|| json!({}));
    let mut inner = json!({
        "actions": change.action.terraform_actions(),
        "before": change.before.as_ref().map(attributes_json),
        "after": change.after.as_ref().map(attributes_json),
        "after_unknown": after_unknown,
        "before_sensitive": if change.before.is_some() { json!({}) } else { json!(false) },
        "after_sensitive": if change.after.is_some() { json!({}) } else { json!(false) },
    });
    if !change.replace_paths.is_empty() {
        inner["replace_paths"] =
            Json::Array(change.replace_paths.iter().map(|p| json!([p])).collect());
    }
    if change.adopting {
        inner["importing"] = json!({ "id": change.id });
    }
    object.insert("change".into(), inner);
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
                "kind": match kind { EdgeKind::Dependency => "dependency", EdgeKind::Conflict => "conflict" },
            })
        })
        .collect();
    if !waits.is_empty() {
        object.insert("snapform_waits_for".into(), Json::Array(waits));
    }
    Json::Object(object)
}

/// The state's resources in Terraform's JSON state `values` shape.
pub fn state_json(state: &State) -> Json {
    let resources: Vec<Json> = state
        .resources
        .iter()
        .map(|record| {
            let mut object = resource_identity(&record.addr, &record.provider.name);
            object.insert("schema_version".into(), json!(0));
            let mut values = attributes_json(&record.attributes);
            values["id"] = json!(record.id);
            object.insert("values".into(), values);
            object.insert("sensitive_values".into(), json!({}));
            Json::Object(object)
        })
        .collect();
    json!({ "root_module": { "resources": resources } })
}

/// The plan document.
pub fn render(plan: &Plan) -> Json {
    let planned: Vec<Json> = plan
        .changes
        .iter()
        .filter(|change| change.after.is_some())
        .map(|change| {
            let mut object = resource_identity(&change.addr, &change.provider.name);
            object.insert("schema_version".into(), json!(0));
            object.insert(
                "values".into(),
                change
                    .after
                    .as_ref()
                    .map(attributes_json)
                    .unwrap_or(Json::Null),
            );
            object.insert("sensitive_values".into(), json!({}));
            Json::Object(object)
        })
        .collect();
    let outputs: Map<String, Json> = plan
        .outputs
        .iter()
        .map(|(name, value)| {
            let sensitive = plan.sensitive_outputs.contains(name);
            let mut object = json!({ "sensitive": sensitive });
            if *value != Value::Unknown && !sensitive {
                object["value"] = value.to_json();
            }
            (name.clone(), object)
        })
        .collect();
    let output_changes: Map<String, Json> = plan
        .outputs
        .iter()
        .map(|(name, value)| {
            let before = plan.prior_state.outputs.get(name);
            let actions = match before {
                None => json!(["create"]),
                Some(old) if old == value => json!(["no-op"]),
                Some(_) => json!(["update"]),
            };
            let sensitive = plan.sensitive_outputs.contains(name);
            (
                name.clone(),
                json!({
                    "actions": actions,
                    "before": before.map(Value::to_json),
                    "after": if *value == Value::Unknown { Json::Null } else { value.to_json() },
                    "after_unknown": *value == Value::Unknown,
                    "before_sensitive": sensitive,
                    "after_sensitive": sensitive,
                }),
            )
        })
        .collect();
    let drift: Vec<Json> = plan
        .drift
        .iter()
        .map(|entry| {
            let provider = plan.prior_state.resource(&entry.addr).map_or("tencentcloud", |r| r.provider.name.as_str());
            let mut object = resource_identity(&entry.addr, provider);
            object.insert(
                "change".into(),
                json!({
                    "actions": if entry.after.is_none() { json!(["delete"]) } else { json!(["update"]) },
                    "before": entry.before.as_ref().map(attributes_json),
                    "after": entry.after.as_ref().map(attributes_json),
                }),
            );
            Json::Object(object)
        })
        .collect();
    json!({
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "snapform_version": env!("CARGO_PKG_VERSION"),
        "planned_values": { "outputs": outputs, "root_module": { "resources": planned } },
        "resource_drift": drift,
        "resource_changes": plan.changes.iter().map(|change| change_json(change, plan)).collect::<Vec<_>>(),
        "output_changes": output_changes,
        "prior_state": {
            "format_version": "1.0",
            "terraform_version": "1.9.0",
            "values": state_json(&plan.prior_state),
        },
        "configuration": { "root_module": {} },
        "relevant_attributes": [],
        "applyable": plan.has_changes(),
        "complete": true,
        "errored": false,
    })
}
