//! The JSON documents and streams tools read: every one has the shape Terraform documents for
//! it (the machine-readable UI, the JSON plan and state, `validate -json`).

use serde_json::Value as Json;

use crate::cloud::{Cloud, project, sf};

const CONFIG: &str = r#"
variable "environment" {
  default = "demo"
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "${var.environment}-site"
}

resource "tencentcloud_cbs_disk_backup" "db" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "db"
}

output "site_id" {
  value = tencentcloud_lighthouse_snapshot.site.id
}
"#;

/// Checks one line of the machine-readable UI and returns it.
fn ui_line(line: &str) -> Json {
    let json: Json = serde_json::from_str(line).expect("one JSON object per line");
    for key in ["@level", "@message", "@module", "@timestamp", "type"] {
        assert!(json[key].is_string(), "{key} missing in {line}");
    }
    assert_eq!(json["@module"], "terraform.ui");
    let timestamp = json["@timestamp"].as_str().expect("a string");
    assert!(
        timestamp.parse::<jiff::Timestamp>().is_ok(),
        "an RFC 3339 @timestamp: {timestamp}"
    );
    let payload = match json["type"].as_str().expect("a string") {
        "version" => "ui",
        "planned_change" | "resource_drift" => "change",
        "change_summary" => "changes",
        "outputs" => "outputs",
        "diagnostic" => "diagnostic",
        "apply_start" | "apply_progress" | "apply_complete" | "apply_errored" => "hook",
        "log" => "@message",
        other => panic!("unknown message type {other}: {line}"),
    };
    assert!(!json[payload].is_null(), "{payload} missing in {line}");
    json
}

fn types(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            ui_line(line)["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[test]
fn the_machine_readable_streams_follow_terraforms() {
    let cloud = Cloud::start();
    let dir = project(&cloud, CONFIG);
    let plan = sf(dir.path(), &["plan", "-json"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert_eq!(
        types(&plan.stdout),
        [
            "version",
            "planned_change",
            "planned_change",
            "change_summary",
            "outputs"
        ]
    );
    let summary: Json =
        serde_json::from_str(plan.stdout.lines().nth(3).expect("summary")).expect("JSON");
    assert_eq!(
        summary["@message"],
        "Plan: 2 to add, 0 to change, 0 to destroy."
    );
    assert_eq!(
        summary["changes"],
        serde_json::json!({"add": 2, "change": 0, "import": 0, "remove": 0, "operation": "plan"})
    );

    let apply = sf(dir.path(), &["apply", "-auto-approve", "-json"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    let kinds = types(&apply.stdout);
    assert_eq!(kinds.first().map(String::as_str), Some("version"));
    assert_eq!(
        kinds.iter().filter(|kind| *kind == "apply_start").count(),
        2
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|kind| *kind == "apply_complete")
            .count(),
        2
    );
    let last: Vec<Json> = apply
        .stdout
        .lines()
        .rev()
        .take(2)
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect();
    assert_eq!(last[0]["type"], "outputs");
    assert!(last[0]["outputs"]["site_id"]["value"].is_string());
    assert_eq!(last[1]["type"], "change_summary");
    assert_eq!(
        last[1]["@message"],
        "Apply complete! Resources: 2 added, 0 changed, 0 destroyed."
    );

    // A configuration error is a diagnostic in the stream, after the version.
    std::fs::write(
        dir.path().join("broken.hcl"),
        "resource \"nope\" \"x\" {}\n",
    )
    .expect("write");
    let broken = sf(dir.path(), &["plan", "-json"]);
    assert_eq!(broken.code, 1, "{}", broken.transcript());
    assert_eq!(types(&broken.stdout), ["version", "diagnostic"]);
    let diagnostic: Json =
        serde_json::from_str(broken.stdout.lines().nth(1).expect("diagnostic")).expect("JSON");
    assert_eq!(diagnostic["@level"], "error");
    assert_eq!(diagnostic["diagnostic"]["range"]["filename"], "broken.hcl");
    assert_eq!(diagnostic["diagnostic"]["snippet"]["start_line"], 1);
    std::fs::remove_file(dir.path().join("broken.hcl")).expect("remove");

    let destroy = sf(dir.path(), &["destroy", "-auto-approve", "-json"]);
    assert_eq!(destroy.code, 0, "{}", destroy.transcript());
    let kinds = types(&destroy.stdout);
    assert_eq!(kinds.last().map(String::as_str), Some("change_summary"));
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 2 destroyed.")
    );
}

#[test]
fn the_json_plan_and_state_have_every_field_terraform_documents() {
    let cloud = Cloud::start();
    let dir = project(&cloud, CONFIG);
    // No state at all is a valid state document.
    let empty = sf(dir.path(), &["show", "-json"]);
    assert_eq!(empty.code, 0, "{}", empty.transcript());
    assert_eq!(empty.stdout, "{\"format_version\":\"1.0\"}\n");

    assert_eq!(sf(dir.path(), &["plan", "-out=first.plan"]).code, 0);
    let show = sf(dir.path(), &["show", "-json", "first.plan"]);
    let plan: Json = serde_json::from_str(&show.stdout).expect("JSON plan");
    for key in [
        "format_version",
        "terraform_version",
        "variables",
        "planned_values",
        "resource_changes",
        "output_changes",
        "configuration",
        "relevant_attributes",
        "timestamp",
        "applyable",
        "complete",
        "errored",
    ] {
        assert!(plan.get(key).is_some(), "{key} is missing");
    }
    assert_eq!(plan["variables"]["environment"]["value"], "demo");
    assert_eq!(
        plan["configuration"]["root_module"]["variables"]["environment"]["default"],
        "demo"
    );
    let site = &plan["configuration"]["root_module"]["resources"][1];
    assert_eq!(site["address"], "tencentcloud_lighthouse_snapshot.site");
    assert_eq!(
        site["expressions"]["snapshot_name"]["references"],
        serde_json::json!(["var.environment"])
    );
    // An output known only after apply is unknown, not null.
    let output = &plan["output_changes"]["site_id"];
    assert_eq!(output["after_unknown"], true);
    assert!(output.get("after").is_none());

    assert_eq!(sf(dir.path(), &["apply", "first.plan"]).code, 0);
    let state: Json =
        serde_json::from_str(&sf(dir.path(), &["show", "-json"]).stdout).expect("JSON state");
    assert_eq!(state["format_version"], "1.0");
    assert!(state["values"]["outputs"]["site_id"]["value"].is_string());
    assert_eq!(state["values"]["outputs"]["site_id"]["type"], "string");

    // A destroy plan deletes every output.
    assert_eq!(
        sf(dir.path(), &["plan", "-destroy", "-out=destroy.plan"]).code,
        0
    );
    let destroy: Json =
        serde_json::from_str(&sf(dir.path(), &["show", "-json", "destroy.plan"]).stdout)
            .expect("JSON plan");
    assert_eq!(
        destroy["output_changes"]["site_id"]["actions"],
        serde_json::json!(["delete"])
    );
    assert!(destroy["prior_state"]["values"]["root_module"]["resources"].is_array());

    let validate = sf(dir.path(), &["validate", "-json"]);
    let document: Json = serde_json::from_str(&validate.stdout).expect("JSON");
    assert_eq!(document["format_version"], "1.0");
    assert_eq!(document["valid"], true);
    assert_eq!(document["error_count"], 0);
    assert_eq!(document["warning_count"], 0);
    assert_eq!(document["diagnostics"], serde_json::json!([]));
}
