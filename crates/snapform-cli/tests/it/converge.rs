//! Whole runs that converge: plan, apply, plan again shows no changes, for every type and
//! every kind of change, drift undone, imports, and the approval prompt.

use std::collections::BTreeMap;

use crate::cloud::{Cloud, project, rewrite, sf, state};
use crate::runs::{EVERY_TYPE, apply_ok, assert_no_duplicates_or_orphans, no_changes};

#[test]
fn every_type_plans_applies_and_converges() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    let plan = sf(dir.path(), &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert!(
        plan.stdout
            .contains("Plan: 7 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let run = apply_ok(dir.path());
    assert!(
        run.stdout
            .contains("Apply complete! Resources: 7 added, 0 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("tencentcloud_lighthouse_snapshot.site: Creation complete after"),
        "{}",
        run.stdout
    );
    assert_eq!(cloud.resources().len(), 7);
    no_changes(dir.path());
    assert_no_duplicates_or_orphans(&cloud, dir.path());
    let output = sf(dir.path(), &["output", "-raw", "site"]);
    assert!(
        output.stdout.starts_with("lhsnap-"),
        "{}",
        output.transcript()
    );
    // A second apply changes nothing.
    let again = apply_ok(dir.path());
    assert!(
        again.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "{}",
        again.stdout
    );
}

#[test]
fn updates_replacements_in_both_orders_and_deletes_converge() {
    let cloud = Cloud::start();
    let first = r#"
resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site"
}
resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge"
  description   = "edge cache"
}
resource "tencentcloud_cbs_disk_backup" "plain" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "v1"
  lifecycle {
    create_before_destroy = false
  }
}
resource "tencentcloud_cbs_disk_backup" "cbd" {
  disk_id          = "disk-qs100002"
  disk_backup_name = "v1"
  lifecycle {
    create_before_destroy = true
  }
}
resource "alicloud_ecd_snapshot" "gone" {
  desktop_id       = "ecd-qs1000000000001"
  snapshot_name    = "gone"
  source_disk_type = "data"
}
"#;
    let dir = project(&cloud, first);
    apply_ok(dir.path());
    let ids_before: BTreeMap<String, String> = state(dir.path())["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            (
                r["addr"].as_str().expect("addr").to_owned(),
                r["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    let second = first
        .replace("snapshot_name = \"site\"", "snapshot_name = \"site-v2\"")
        .replace(
            "description   = \"edge cache\"",
            "description   = \"edge cache, 7 days\"",
        )
        .replace("disk_backup_name = \"v1\"", "disk_backup_name = \"v2\"");
    let second = second[..second
        .find("resource \"alicloud_ecd_snapshot\" \"gone\"")
        .expect("block")]
        .to_owned();
    rewrite(dir.path(), &second);
    let plan = sf(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 2 to add, 2 to change, 3 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("-/+ resource \"tencentcloud_cbs_disk_backup\" \"plain\""),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("+/- resource \"tencentcloud_cbs_disk_backup\" \"cbd\""),
        "{}",
        plan.stdout
    );
    let run = apply_ok(dir.path());
    assert!(
        run.stdout.contains("2 added, 2 changed, 3 destroyed"),
        "{}",
        run.stdout
    );
    let after: BTreeMap<String, String> = state(dir.path())["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| {
            (
                r["addr"].as_str().expect("addr").to_owned(),
                r["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        after["tencentcloud_lighthouse_snapshot.site"],
        ids_before["tencentcloud_lighthouse_snapshot.site"],
        "renamed in place"
    );
    assert_ne!(
        after["tencentcloud_cbs_disk_backup.plain"],
        ids_before["tencentcloud_cbs_disk_backup.plain"],
        "replaced"
    );
    assert_ne!(
        after["tencentcloud_cbs_disk_backup.cbd"], ids_before["tencentcloud_cbs_disk_backup.cbd"],
        "replaced"
    );
    assert!(!after.contains_key("alicloud_ecd_snapshot.gone"));
    assert_eq!(state(dir.path())["deposed"], serde_json::json!([]));
    no_changes(dir.path());
    assert_no_duplicates_or_orphans(&cloud, dir.path());
    let destroy = sf(dir.path(), &["destroy", "-auto-approve"]);
    assert_eq!(destroy.code, 0, "{}", destroy.transcript());
    assert!(
        destroy
            .stdout
            .contains("Destroy complete! Resources: 4 destroyed."),
        "{}",
        destroy.stdout
    );
    assert!(cloud.resources().is_empty());
}

#[test]
fn drift_outside_snapform_is_shown_and_undone() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    apply_ok(dir.path());
    let state_now = state(dir.path());
    let find = |addr: &str| {
        state_now["resources"]
            .as_array()
            .expect("r")
            .iter()
            .find(|r| r["addr"] == addr)
            .expect("recorded")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    cloud.delete(&format!("resources/{}", find("alicloud_ens_snapshot.edge")));
    cloud.post(
        &format!(
            "resources/{}",
            find("tencentcloud_lighthouse_snapshot.site")
        ),
        serde_json::json!({"name": "renamed-by-hand"}),
    );
    let plan = sf(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("Note: Objects have changed outside of snapform"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("# alicloud_ens_snapshot.edge has been deleted"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("~ snapshot_name = \"site\" -> \"renamed-by-hand\""),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 1 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    // refresh-only records the drift without changing the cloud.
    let refresh_only = sf(dir.path(), &["apply", "-refresh-only", "-auto-approve"]);
    assert_eq!(refresh_only.code, 0, "{}", refresh_only.transcript());
    assert_eq!(
        state(dir.path())["resources"].as_array().expect("r").len(),
        6,
        "the deleted one is forgotten"
    );
    apply_ok(dir.path());
    no_changes(dir.path());
    assert_no_duplicates_or_orphans(&cloud, dir.path());
}

#[test]
fn every_type_imports_into_a_fresh_state() {
    let cloud = Cloud::start();
    let source = project(&cloud, EVERY_TYPE);
    apply_ok(source.path());
    let recorded = state(source.path());
    let target = project(&cloud, EVERY_TYPE);
    for record in recorded["resources"].as_array().expect("resources") {
        let addr = record["addr"].as_str().expect("addr");
        let id = record["id"].as_str().expect("id");
        let run = sf(target.path(), &["import", addr, id]);
        assert_eq!(run.code, 0, "import {addr} {id}:\n{}", run.transcript());
        assert!(run.stdout.contains("Import successful!"), "{}", run.stdout);
    }
    no_changes(target.path());
    let missing = sf(
        target.path(),
        &[
            "import",
            "tencentcloud_lighthouse_snapshot.site",
            "lhsnap-zz999999",
        ],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("already managed") || missing.stderr.contains("non-existent"),
        "{}",
        missing.stderr
    );
}

#[test]
fn apply_asks_and_only_yes_proceeds_even_from_a_pipe() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    let env = crate::cloud::env(dir.path());
    let refused = crate::support::snapform_with_env(dir.path(), &["apply"], "no\n", &env);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stdout.contains("Enter a value:"),
        "{}",
        refused.stdout
    );
    assert!(
        refused.stdout.contains("apply cancelled."),
        "{}",
        refused.stdout
    );
    assert!(cloud.resources().is_empty(), "nothing was created");
    let approved = crate::support::snapform_with_env(dir.path(), &["apply"], "yes\n", &env);
    assert_eq!(approved.code, 0, "{}", approved.transcript());
    assert_eq!(cloud.resources().len(), 7);
    let destroy = crate::support::snapform_with_env(dir.path(), &["destroy"], "yes\n", &env);
    assert!(
        destroy
            .stdout
            .contains("Do you really want to destroy all resources?"),
        "{}",
        destroy.stdout
    );
    assert!(cloud.resources().is_empty());
}
