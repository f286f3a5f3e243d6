//! Terraform's machine-readable UI (`plan -json`, `apply -json`): one JSON object per line.

use serde_json::{Value as Json, json};
use snapform_core::{InstanceKey, ResourceInstanceAddr};
use snapform_planner::{Action, Plan};

/// The `resource` object of every line about one instance.
pub fn resource(addr: &ResourceInstanceAddr) -> Json {
    let key = match &addr.key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(index) => json!(index),
        InstanceKey::Str(key) => json!(key),
    };
    json!({
        "addr": addr.to_string(),
        "resource": addr.to_string(),
        "resource_type": addr.resource.type_name,
        "resource_name": addr.resource.name,
        "resource_key": key,
        "implied_provider": addr.resource.type_name.split('_').next().unwrap_or_default(),
    })
}

/// `plan -json`: the version, each drift, each planned change and the summary.
pub fn plan_lines(plan: &Plan) -> Result<Vec<Json>, serde_json::Error> {
    let version = env!("CARGO_PKG_VERSION");
    let mut lines = vec![json!({
        "@level": "info",
        "@message": format!("snapform {version}"),
        "type": "version",
        "snapform": version,
        "ui": "1.2",
    })];
    for drift in &plan.drift {
        let action = if drift.after.is_none() {
            "delete"
        } else {
            "update"
        };
        lines.push(json!({
            "@level": "info",
            "@message": format!("{}: Drift detected ({action})", drift.addr),
            "type": "resource_drift",
            "change": {"resource": resource(&drift.addr), "action": action},
        }));
    }
    for change in plan.changes.iter().filter(|change| change.is_active()) {
        let action = match change.action {
            Action::NoOp if change.adopting => "import",
            // A create still in progress, which apply waits for.
            Action::NoOp => "noop",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        };
        let mut line = json!({
            "@level": "info",
            "@message": if action == "noop" {
                format!("{}: Plan to wait until it is ready", change.addr)
            } else {
                format!("{}: Plan to {action}", change.addr)
            },
            "type": "planned_change",
            "change": {"resource": resource(&change.addr), "action": action},
        });
        if let Some(reason) = change.reason {
            line["change"]["reason"] = serde_json::to_value(reason)?;
        }
        lines.push(line);
    }
    let counts = plan.counts();
    lines.push(json!({
        "@level": "info",
        "@message": format!("Plan: {}", super::plan::summary(&counts)),
        "type": "change_summary",
        "changes": {
            "import": counts.adopt,
            "add": counts.add,
            "change": counts.change,
            "remove": counts.destroy,
            "operation": "plan",
        },
    }));
    Ok(lines)
}
