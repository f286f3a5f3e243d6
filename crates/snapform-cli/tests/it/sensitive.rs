//! Sensitive values: every command is run on a configuration that derives names, tags and
//! outputs from a sensitive variable, and every byte it prints or writes is searched for the
//! secret. Only what Terraform shows on purpose may hold it: `output -raw NAME`, `output -json
//! NAME`, and the state's values (the state file, its backup, `state pull`).

use std::path::Path;

use crate::cloud::{Cloud, project, sf};

const SECRET: &str = "s3cr3t-Sq4";

fn config() -> String {
    format!(
        r#"
variable "secret_suffix" {{
  default   = "{SECRET}"
  sensitive = true
}}

locals {{
  derived = upper(var.secret_suffix)
}}

resource "tencentcloud_lighthouse_snapshot" "site" {{
  instance_id   = "lhins-qs100001"
  snapshot_name = "snap-${{var.secret_suffix}}"
}}

resource "tencentcloud_cbs_snapshot_group" "app" {{
  disk_ids            = ["disk-qs100003"]
  snapshot_group_name = "app"
  tags = {{
    team  = "platform"
    token = lower(local.derived)
  }}
}}

resource "tencentcloud_cbs_disk_backup" "plain" {{
  disk_id          = "disk-qs100001"
  disk_backup_name = "plain"
}}

# Reads a sensitive attribute of another resource, so it is sensitive too.
resource "alicloud_ens_snapshot" "edge" {{
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge"
  description   = "after ${{tencentcloud_lighthouse_snapshot.site.snapshot_name}}"
}}

output "name" {{
  value     = tencentcloud_lighthouse_snapshot.site.snapshot_name
  sensitive = true
}}

output "id" {{
  value = tencentcloud_lighthouse_snapshot.site.id
}}
"#
    )
}

/// Every file under `dir` that holds the secret, except the emulator's cloud.
fn files_holding_the_secret(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("readable dir") {
                stack.push(entry.expect("entry").path());
            }
            continue;
        }
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.ends_with(".hcl") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("readable file");
        if String::from_utf8_lossy(&bytes).contains(SECRET) {
            found.push(name.into_owned());
        }
    }
    found.sort();
    found
}

#[test]
fn a_sensitive_value_appears_nowhere_it_should_not() {
    let cloud = Cloud::start();
    let dir = project(&cloud, &config());
    let dir = dir.path();
    let mut leaks = Vec::new();
    let mut run = |args: &[&str]| {
        let run = sf(dir, args);
        if run.stdout.contains(SECRET) || run.stderr.contains(SECRET) {
            leaks.push(format!(
                "snapform {}:\n{}",
                args.join(" "),
                run.transcript()
            ));
        }
        run
    };
    let validate = run(&["validate"]);
    assert_eq!(validate.code, 0, "{}", validate.transcript());
    run(&["validate", "-json"]);
    let plan = run(&["plan", "-out=tfplan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);
    run(&["plan", "-json"]);
    let shown = run(&["show", "-json", "tfplan"]);
    let json: serde_json::Value = serde_json::from_str(&shown.stdout).expect("JSON plan");
    let site = json["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|change| change["address"] == "tencentcloud_lighthouse_snapshot.site")
        .expect("the site change");
    assert_eq!(site["change"]["after_sensitive"]["snapshot_name"], true);
    assert!(site["change"]["after"].get("snapshot_name").is_none());
    let edge = json["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|change| change["address"] == "alicloud_ens_snapshot.edge")
        .expect("the edge change");
    assert_eq!(edge["change"]["after_sensitive"]["description"], true);
    run(&["show", "tfplan"]);
    run(&["show", "-markdown", "tfplan"]);
    let apply = run(&["apply", "tfplan"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    run(&["show"]);
    run(&["show", "-json"]);
    run(&["state", "list"]);
    let state_show = run(&["state", "show", "tencentcloud_lighthouse_snapshot.site"]);
    assert!(
        state_show
            .stdout
            .contains("snapshot_name  = (sensitive value)"),
        "{}",
        state_show.stdout
    );
    run(&["state", "show", "tencentcloud_cbs_snapshot_group.app"]);
    let outputs = run(&["output"]);
    assert!(
        outputs.stdout.contains("name = <sensitive>"),
        "{}",
        outputs.stdout
    );
    run(&["output", "-json"]);
    run(&["output", "name"]);
    run(&["graph"]);
    let again = run(&["plan", "-detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.transcript());
    run(&["apply", "-auto-approve", "-json"]);
    // A change that replaces a sensitive name shows neither name.
    std::fs::write(
        dir.join("main.hcl"),
        config().replace("snap-${var.secret_suffix}", "snap2-${var.secret_suffix}"),
    )
    .expect("write");
    let update = run(&["apply", "-auto-approve"]);
    assert_eq!(update.code, 0, "{}", update.transcript());
    run(&[
        "destroy",
        "-auto-approve",
        "-target=alicloud_ens_snapshot.edge",
    ]);
    run(&["destroy", "-auto-approve", "-json"]);
    assert!(leaks.is_empty(), "the secret leaked:\n{}", leaks.join("\n"));

    // Where Terraform shows it on purpose.
    let apply = sf(dir, &["apply", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert_eq!(
        sf(dir, &["output", "-raw", "name"]).stdout,
        format!("snap2-{SECRET}")
    );
    assert_eq!(
        sf(dir, &["output", "-json", "name"]).stdout,
        format!("\"snap2-{SECRET}\"\n")
    );
    assert!(sf(dir, &["state", "pull"]).stdout.contains(SECRET));
    let holding: Vec<String> = files_holding_the_secret(dir)
        .into_iter()
        .filter(|name| name != "emulator.json")
        .collect();
    assert!(
        holding.contains(&"snapform.tfstate".to_owned())
            && holding
                .iter()
                .all(|name| name == "snapform.tfstate" || name == "snapform.tfstate.backup"),
        "only the state and its backup may hold the secret: {holding:?}"
    );
}

#[test]
fn an_output_of_a_sensitive_value_must_say_so() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        &format!(
            "{}\noutput \"leak\" {{\n  value = var.secret_suffix\n}}\n",
            config()
        ),
    );
    let validate = sf(dir.path(), &["validate"]);
    assert_eq!(validate.code, 1, "{}", validate.transcript());
    assert!(
        validate
            .stderr
            .contains("error: output `leak` refers to sensitive values"),
        "{}",
        validate.stderr
    );
    assert!(!validate.stderr.contains(SECRET), "{}", validate.stderr);
    // Through a resource attribute, the plan finds it.
    let dir = project(
        &cloud,
        &format!(
            "{}\noutput \"leak\" {{\n  value = tencentcloud_cbs_snapshot_group.app.tags\n}}\n",
            config()
        ),
    );
    let plan = sf(dir.path(), &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.transcript());
    assert!(
        plan.stderr
            .contains("output `leak` refers to sensitive values"),
        "{}",
        plan.stderr
    );
}

#[test]
fn json_streams_never_apply_without_approval() {
    let cloud = Cloud::start();
    let dir = project(&cloud, &config());
    for args in [
        &["apply", "-json"][..],
        &[
            "destroy",
            "-json",
            "-target=tencentcloud_cbs_disk_backup.plain",
        ][..],
    ] {
        let run = sf(dir.path(), args);
        assert_eq!(run.code, 1, "{}", run.transcript());
        let lines: Vec<serde_json::Value> = run
            .stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines[0]["type"], "version");
        assert_eq!(lines[1]["type"], "diagnostic");
        assert_eq!(
            lines[1]["diagnostic"]["summary"],
            "Plan file or auto-approve required"
        );
    }
    assert!(cloud.resources().is_empty(), "nothing was created");
}
