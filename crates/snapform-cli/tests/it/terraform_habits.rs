//! What a Terraform user types out of habit: flags from CI pipelines, `.tfvars` files,
//! addresses for whole resources, and addresses that match nothing.

use crate::cloud::{Cloud, project, sf, state};

const FLEET: &str = r#"
variable "disks" {
  type = map(string)
  default = {
    web = "disk-qs100001"
    db  = "disk-qs100003"
  }
}

resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = var.disks
  disk_id          = each.value
  disk_backup_name = "nightly-${each.key}"
}
"#;

fn recorded(dir: &std::path::Path) -> Vec<String> {
    state(dir)["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|record| record["addr"].as_str().expect("addr").to_owned())
        .collect()
}

#[test]
fn ci_flags_are_accepted_with_terraforms_meaning() {
    let cloud = Cloud::start();
    let dir = project(&cloud, FLEET);
    let dir = dir.path();
    let plan = sf(dir, &["plan", "-input=false", "-compact-warnings"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    // -input=false cannot ask for approval.
    let refused = sf(dir, &["apply", "-input=false"]);
    assert_eq!(refused.code, 1, "{}", refused.transcript());
    assert!(
        refused.stderr.contains("-auto-approve"),
        "{}",
        refused.stderr
    );
    let apply = sf(dir, &["apply", "-input=false", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
}

#[test]
fn compact_warnings_are_one_line_each() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "unnamed" {
  disk_id = "disk-qs100001"
}
"#,
    );
    let plan = sf(dir.path(), &["plan", "-compact-warnings"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(plan.stderr.contains("1 warning:"), "{}", plan.stderr);
    assert!(
        plan.stderr
            .contains("- main.hcl:2:1: `tencentcloud_cbs_disk_backup.unnamed` has no"),
        "{}",
        plan.stderr
    );
    assert!(!plan.stderr.contains("^^^"), "no snippet: {}", plan.stderr);
}

#[test]
fn tfvars_files_set_variables_and_their_mistakes_point_at_the_file() {
    let cloud = Cloud::start();
    let dir = project(&cloud, FLEET);
    let dir = dir.path();
    std::fs::write(
        dir.join("prod.tfvars"),
        "disks = { web = \"disk-qs100001\" }\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("prod.tfvars.json"),
        "{\"disks\": {\"db\": \"disk-qs100003\"}}\n",
    )
    .expect("write");
    for (file, key) in [("prod.tfvars", "web"), ("prod.tfvars.json", "db")] {
        let plan = sf(dir, &["plan", &format!("-var-file={file}")]);
        assert_eq!(plan.code, 0, "{}", plan.transcript());
        assert!(
            plan.stdout
                .contains(&format!("nightly[\"{key}\"] will be created")),
            "{}",
            plan.stdout
        );
        assert!(plan.stdout.contains("Plan: 1 to add"), "{}", plan.stdout);
    }
    std::fs::write(dir.join("bad.tfvars.json"), "{\"disks\": \"not a map\"}\n").expect("write");
    let bad = sf(dir, &["plan", "-var-file=bad.tfvars.json"]);
    assert_eq!(bad.code, 1, "{}", bad.transcript());
    assert!(
        bad.stderr
            .contains("bad.tfvars.json:1:2: error: invalid value for variable `disks`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn a_missing_variable_is_one_error_without_follow_ons() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        &FLEET.replace(
            "  default = {\n    web = \"disk-qs100001\"\n    db  = \"disk-qs100003\"\n  }\n",
            "",
        ),
    );
    let plan = sf(dir.path(), &["plan", "-input=false"]);
    assert_eq!(plan.code, 1, "{}", plan.transcript());
    assert_eq!(plan.stderr.matches("error:").count(), 1, "{}", plan.stderr);
    assert!(
        plan.stderr
            .contains("no value for required variable `disks`")
    );
}

#[test]
fn addresses_that_match_nothing_are_errors_and_whole_resources_name_their_instances() {
    let cloud = Cloud::start();
    let dir = project(&cloud, FLEET);
    let dir = dir.path();
    assert_eq!(sf(dir, &["apply", "-auto-approve"]).code, 0);

    let typo = sf(
        dir,
        &["plan", "-target=tencentcloud_cbs_disk_backup.nigthly"],
    );
    assert_eq!(typo.code, 1, "{}", typo.transcript());
    assert!(
        typo.stderr.contains("matches nothing")
            && typo
                .stderr
                .contains("did you mean tencentcloud_cbs_disk_backup.nightly"),
        "{}",
        typo.stderr
    );
    let whole = sf(
        dir,
        &["plan", "-replace=tencentcloud_cbs_disk_backup.nightly"],
    );
    assert_eq!(whole.code, 1, "{}", whole.transcript());
    assert!(
        whole.stderr.contains("tencentcloud_cbs_disk_backup.nightly[\"db\"], tencentcloud_cbs_disk_backup.nightly[\"web\"]"),
        "{}",
        whole.stderr
    );
    let missing_key = sf(
        dir,
        &[
            "plan",
            "-replace=tencentcloud_cbs_disk_backup.nightly[\"app\"]",
        ],
    );
    assert_eq!(missing_key.code, 1, "{}", missing_key.transcript());
    // A whole resource as a target takes all its instances, as in Terraform.
    let target = sf(
        dir,
        &[
            "plan",
            "-target=tencentcloud_cbs_disk_backup.nightly",
            "-detailed-exitcode",
        ],
    );
    assert_eq!(target.code, 0, "{}", target.transcript());
    let one = sf(
        dir,
        &[
            "plan",
            "-replace=tencentcloud_cbs_disk_backup.nightly[\"web\"]",
        ],
    );
    assert_eq!(one.code, 0, "{}", one.transcript());
    assert!(
        one.stdout
            .contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{}",
        one.stdout
    );

    // state show refuses a pattern with several instances and lists them.
    let show = sf(
        dir,
        &["state", "show", "tencentcloud_cbs_disk_backup.nightly"],
    );
    assert_eq!(show.code, 1, "{}", show.transcript());
    assert!(
        show.stderr.contains("names 2 recorded instances"),
        "{}",
        show.stderr
    );
    // state mv of a whole resource moves every instance, keys kept.
    let mv = sf(
        dir,
        &[
            "state",
            "mv",
            "tencentcloud_cbs_disk_backup.nightly",
            "tencentcloud_cbs_disk_backup.backup",
        ],
    );
    assert_eq!(mv.code, 0, "{}", mv.transcript());
    assert_eq!(
        recorded(dir),
        [
            "tencentcloud_cbs_disk_backup.backup[\"db\"]",
            "tencentcloud_cbs_disk_backup.backup[\"web\"]"
        ]
    );
    // state rm of a whole resource removes every instance.
    let rm = sf(dir, &["state", "rm", "tencentcloud_cbs_disk_backup.backup"]);
    assert_eq!(rm.code, 0, "{}", rm.transcript());
    assert!(
        rm.stdout
            .contains("Successfully removed 2 resource instance(s)."),
        "{}",
        rm.stdout
    );
    assert!(recorded(dir).is_empty());
}

#[test]
fn version_and_dash_dash_version_agree() {
    let cloud = Cloud::start();
    let dir = project(&cloud, FLEET);
    let version = sf(dir.path(), &["version"]);
    let flag = sf(dir.path(), &["--version"]);
    assert_eq!(version.stdout, flag.stdout);
    assert!(
        version.stdout.starts_with("snapform v"),
        "{}",
        version.stdout
    );
}
