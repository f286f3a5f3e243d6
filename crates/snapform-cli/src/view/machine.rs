//! Terraform's machine-readable UI (`plan -json`, `apply -json`, `destroy -json`): one JSON
//! object per line, each with `@level`, `@message`, `@module`, `@timestamp` and `type`, the
//! first always the `version` message. Once a command turns it on, diagnostics and errors are
//! `diagnostic` messages on standard output too, so a tool reading the stream sees everything.
//!
//! `@module` is `terraform.ui`, as Terraform writes it, because tools that read these streams
//! (wrappers of `terraform-exec`, CI annotators) match on it; the `version` message names
//! snapform and its version beside the UI version it follows.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Map, Value as Json, json};
use snapform_core::{Diagnostic, InstanceKey, ResourceInstanceAddr, SourceMap, Value};
use snapform_planner::{Action, ActionReason, Counts, Plan, PlanMode};

/// The version of Terraform's machine-readable UI these messages follow.
const UI_VERSION: &str = "1.2";

/// Whether this process writes the machine-readable UI.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns the machine-readable UI on and writes its first message, the `version`.
pub fn start() {
    ENABLED.store(true, Ordering::SeqCst);
    let version = env!("CARGO_PKG_VERSION");
    emit(message(
        "info",
        format!("snapform {version}"),
        "version",
        [
            ("snapform", json!(version)),
            ("terraform", json!(super::plan_json::TERRAFORM_VERSION)),
            ("ui", json!(UI_VERSION)),
        ],
    ));
}

/// Whether the machine-readable UI is on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::SeqCst)
}

/// Writes one message line to standard output.
pub fn emit(line: Json) {
    use std::io::Write;
    // A closed stdout must not stop an apply: the state is what matters.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// One message: the common fields and the message's own.
pub fn message<const N: usize>(
    level: &str,
    text: impl Into<String>,
    kind: &str,
    payload: [(&str, Json); N],
) -> Json {
    let mut object = Map::new();
    object.insert("@level".into(), json!(level));
    object.insert("@message".into(), json!(text.into()));
    object.insert("@module".into(), json!("terraform.ui"));
    object.insert(
        "@timestamp".into(),
        json!(
            jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string()
        ),
    );
    object.insert("type".into(), json!(kind));
    for (key, value) in payload {
        object.insert(key.into(), value);
    }
    Json::Object(object)
}

/// A `diagnostic` message for each diagnostic.
pub fn diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap) {
    for diagnostic in diagnostics {
        let json = super::diagnostics::diagnostic_json(diagnostic, sources);
        let (level, prefix) = if diagnostic.is_error() {
            ("error", "Error")
        } else {
            ("warn", "Warning")
        };
        emit(message(
            level,
            format!("{prefix}: {}", diagnostic.message),
            "diagnostic",
            [("diagnostic", json)],
        ));
    }
}

/// An error that is not about a place in a file, as a `diagnostic` message.
pub fn error(summary: &str, detail: &str, address: Option<&ResourceInstanceAddr>) {
    let mut diagnostic = json!({
        "severity": "error",
        "summary": summary,
        "detail": detail,
    });
    if let Some(addr) = address {
        diagnostic["address"] = json!(addr.to_string());
    }
    emit(message(
        "error",
        format!("Error: {summary}"),
        "diagnostic",
        [("diagnostic", diagnostic)],
    ));
}

/// The `resource` object of every message about one instance.
pub fn resource(addr: &ResourceInstanceAddr) -> Json {
    let key = match &addr.key {
        InstanceKey::None => Json::Null,
        InstanceKey::Int(index) => json!(index),
        InstanceKey::Str(key) => json!(key),
    };
    let mut resource = json!({
        "addr": addr.instance_text(),
        "module": "",
        "resource": addr.instance_text(),
        "implied_provider": addr.resource.type_name.split('_').next().unwrap_or_default(),
        "resource_type": addr.resource.type_name,
        "resource_name": addr.resource.name,
        "resource_key": key,
    });
    if let Some(tick) = &addr.generation {
        resource["generation"] = json!(tick.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    resource
}

/// The reason of a `planned_change`, in the UI's spelling (which differs from the JSON plan's).
fn reason(reason: ActionReason) -> &'static str {
    match reason {
        ActionReason::ReplaceBecauseCannotUpdate => "cannot_update",
        ActionReason::ReplaceBecauseTainted => "tainted",
        ActionReason::ReplaceByRequest => "requested",
        ActionReason::DeleteBecauseNoResourceConfig => "delete_because_no_resource_config",
        ActionReason::DeleteBecauseCountIndex => "delete_because_count_index",
        ActionReason::DeleteBecauseEachKey => "delete_because_each_key",
        ActionReason::DeleteBecauseWrongRepetition => "delete_because_wrong_repetition",
        ActionReason::DeleteBecauseBeyondKeep => "delete_because_beyond_keep",
        ActionReason::DeleteBecauseOlderThanMaxAge => "delete_because_older_than_max_age",
        ActionReason::DeleteBecauseRotationRemoved => "delete_because_rotation_removed",
        ActionReason::DeleteBecauseFailedGeneration => "delete_because_failed_generation",
    }
}

/// Writes the messages of a plan.
pub fn plan(plan: &Plan) {
    for line in plan_lines(plan) {
        emit(line);
    }
}

/// The messages of a plan: drift, each planned change, the summary and the outputs' actions.
pub fn plan_lines(plan: &Plan) -> Vec<Json> {
    let mut lines = Vec::new();
    for drift in &plan.drift {
        let action = if drift.after.is_none() {
            "delete"
        } else {
            "update"
        };
        lines.push(message(
            "info",
            format!("{}: Drift detected ({action})", drift.addr),
            "resource_drift",
            [(
                "change",
                json!({"resource": resource(&drift.addr), "action": action}),
            )],
        ));
    }
    lines.extend(planned_change_lines(plan));
    lines.push(summary(&plan.counts(), "plan"));
    if plan.mode != PlanMode::RefreshOnly {
        let outputs = planned_outputs(plan);
        if !outputs.is_empty() {
            lines.push(message(
                "info",
                format!("Outputs: {}", outputs.len()),
                "outputs",
                [("outputs", Json::Object(outputs))],
            ));
        }
    }
    lines
}

/// Writes a `planned_change` for every change apply makes.
pub fn planned_changes(plan: &Plan) {
    for line in planned_change_lines(plan) {
        emit(line);
    }
}

/// A `planned_change` for every change apply makes.
pub fn planned_change_lines(plan: &Plan) -> Vec<Json> {
    let mut lines = Vec::new();
    for change in plan.changes.iter().filter(|change| change.is_active()) {
        let action = match change.action {
            Action::NoOp if change.adopting || change.importing.is_some() => "import",
            Action::NoOp if change.moved_from.is_some() && !change.awaits_readiness => "move",
            // A create still in progress, which apply waits for.
            Action::NoOp => "noop",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Forget => "remove",
            Action::DeleteThenCreate | Action::CreateThenDelete | Action::CreateThenForget => {
                "replace"
            }
        };
        let mut payload = json!({"resource": resource(&change.addr), "action": action});
        if let Some(from) = &change.moved_from {
            payload["previous_resource"] = resource(from);
        }
        if let Some(why) = change.reason {
            payload["reason"] = json!(reason(why));
        }
        if change.adopting {
            payload["importing"] = json!({"id": change.id});
        }
        if let Some(id) = &change.importing {
            payload["importing"] = json!({ "id": id });
        }
        let text = if action == "noop" {
            format!("{}: Plan to wait until it is ready", change.addr)
        } else {
            format!("{}: Plan to {action}", change.addr)
        };
        lines.push(message(
            "info",
            text,
            "planned_change",
            [("change", payload)],
        ));
    }
    lines
}

/// The `change_summary` of a plan (`operation` "plan") or an apply ("apply", "destroy").
pub fn summary(counts: &Counts, operation: &str) -> Json {
    let text = match operation {
        "plan" => format!("Plan: {}", super::plan::summary(counts)),
        "destroy" => format!("Destroy complete! Resources: {} destroyed.", counts.destroy),
        _ if counts.adopt + counts.import > 0 => format!(
            "Apply complete! Resources: {} imported, {} added, {} changed, {} destroyed.",
            counts.adopt + counts.import,
            counts.add,
            counts.change,
            counts.destroy
        ),
        _ => format!(
            "Apply complete! Resources: {} added, {} changed, {} destroyed.",
            counts.add, counts.change, counts.destroy
        ),
    };
    message(
        "info",
        text,
        "change_summary",
        [(
            "changes",
            json!({
                "add": counts.add,
                "change": counts.change,
                "import": counts.adopt + counts.import,
                "remove": counts.destroy,
                "operation": operation,
            }),
        )],
    )
}

/// The plan's outputs with what happens to each: `{sensitive, action}`, no values.
fn planned_outputs(plan: &Plan) -> Map<String, Json> {
    let before = &plan.prior_state.outputs;
    let mut outputs = Map::new();
    for (name, value) in &plan.outputs {
        let action = match before.get(name) {
            None => "create",
            Some(old) if old == value => "noop",
            Some(_) => "update",
        };
        outputs.insert(
            name.clone(),
            json!({"sensitive": plan.sensitive_outputs.contains(name), "action": action}),
        );
    }
    for name in before
        .keys()
        .filter(|name| !plan.outputs.contains_key(*name))
    {
        outputs.insert(
            name.clone(),
            json!({
                "sensitive": plan.prior_state.sensitive_outputs.contains(name),
                "action": "delete",
            }),
        );
    }
    outputs
}

/// The `outputs` message after an apply: each output's type, and its value unless it is
/// sensitive.
pub fn applied_outputs(outputs: &BTreeMap<String, Value>, sensitive: &[String]) {
    let mut map = Map::new();
    for (name, value) in outputs {
        let hidden = sensitive.contains(name);
        let mut object = json!({
            "sensitive": hidden,
            "type": super::plan_json::type_of(value),
        });
        if !hidden {
            object["value"] = value.to_json();
        }
        map.insert(name.clone(), object);
    }
    emit(message(
        "info",
        format!("Outputs: {}", map.len()),
        "outputs",
        [("outputs", Json::Object(map))],
    ));
}
