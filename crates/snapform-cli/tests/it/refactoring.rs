//! `import`, `moved` and `removed` blocks and `plan -generate-config-out` through the binary,
//! against the emulator: a refactor of the quickstart into a `for_each` deletes nothing, a
//! `removed` block and `destroy = false` keep the snapshots in the cloud, import blocks take
//! existing snapshots with only batched reads, and the errors name their blocks.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cloud::{Cloud, project, rewrite, sf, state};
use crate::runs::{apply_ok, no_changes};

fn ids_in_cloud(cloud: &Cloud) -> BTreeSet<String> {
    cloud
        .resources()
        .iter()
        .filter_map(|resource| resource["id"].as_str().map(str::to_owned))
        .collect()
}

/// The recorded (address, ID) pairs.
fn recorded(dir: &Path) -> BTreeSet<(String, String)> {
    state(dir)["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|record| {
            (
                record["addr"].as_str().expect("addr").to_owned(),
                record["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect()
}

const QUICKSTART: &str = r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}
"#;

#[test]
fn the_quickstart_moves_into_a_for_each_without_deleting_its_backup() {
    let cloud = Cloud::start();
    let project = project(&cloud, QUICKSTART);
    let dir = project.path();
    apply_ok(dir);
    let before = ids_in_cloud(&cloud);
    assert_eq!(before.len(), 1);
    let id = before.iter().next().expect("one backup").clone();

    rewrite(
        dir,
        r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  for_each         = toset(["disk-qs100001", "disk-qs100002"])
  disk_id          = each.key
  disk_backup_name = "nightly"
}

moved {
  from = tencentcloud_cbs_disk_backup.nightly
  to   = tencentcloud_cbs_disk_backup.nightly["disk-qs100001"]
}
"#,
    );
    let plan = sf(dir, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(
        plan.stdout.contains(r#"# tencentcloud_cbs_disk_backup.nightly has moved to tencentcloud_cbs_disk_backup.nightly["disk-qs100001"]"#),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 1 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let json = sf(dir, &["plan", "-out=plan.bin"]);
    assert_eq!(json.code, 0, "{}", json.transcript());
    let show = sf(dir, &["show", "-json", "plan.bin"]);
    let shown: serde_json::Value = serde_json::from_str(&show.stdout).expect("JSON");
    let moved = shown["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|change| change["previous_address"] == "tencentcloud_cbs_disk_backup.nightly")
        .expect("a change with the previous address");
    assert_eq!(
        moved["address"],
        r#"tencentcloud_cbs_disk_backup.nightly["disk-qs100001"]"#
    );
    assert_eq!(moved["change"]["actions"], serde_json::json!(["no-op"]));
    let apply = sf(dir, &["apply", "plan.bin"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(ids_in_cloud(&cloud).contains(&id), "the backup is kept");
    assert!(recorded(dir).contains(&(
        r#"tencentcloud_cbs_disk_backup.nightly["disk-qs100001"]"#.to_owned(),
        id.clone()
    )));
    no_changes(dir);
    // The moved block can stay: there is nothing left at its `from`.
    assert_eq!(ids_in_cloud(&cloud).len(), 2);
}

#[test]
fn moves_that_would_lose_a_backup_are_refused_and_nothing_changes() {
    let cloud = Cloud::start();
    let project = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "a" {
  disk_id = "disk-qs100001"
  disk_backup_name = "a"
}

resource "tencentcloud_cbs_disk_backup" "b" {
  disk_id = "disk-qs100002"
  disk_backup_name = "b"
}
"#,
    );
    let dir = project.path();
    apply_ok(dir);
    let before = recorded(dir);
    rewrite(
        dir,
        r#"
resource "tencentcloud_cbs_disk_backup" "b" {
  disk_id = "disk-qs100002"
  disk_backup_name = "b"
}

moved {
  from = tencentcloud_cbs_disk_backup.a
  to   = tencentcloud_cbs_disk_backup.b
}
"#,
    );
    let apply = sf(dir, &["apply", "-auto-approve"]);
    assert_eq!(apply.code, 1, "{}", apply.transcript());
    assert!(
        apply.stderr.contains("main.hcl:7:1: error: cannot move tencentcloud_cbs_disk_backup.a to tencentcloud_cbs_disk_backup.b"),
        "{}",
        apply.stderr
    );
    assert_eq!(recorded(dir), before, "nothing recorded changes");
    assert_eq!(ids_in_cloud(&cloud).len(), 2, "nothing is deleted");
}

#[test]
fn removed_blocks_and_destroy_false_keep_the_snapshots_in_the_cloud() {
    let cloud = Cloud::start();
    let project = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "old" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "old"
}

resource "tencentcloud_cbs_disk_backup" "gone" {
  disk_id          = "disk-qs100002"
  disk_backup_name = "gone"
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  for_each      = toset(["a", "b"])
  instance_id   = "lhins-qs100001"
  snapshot_name = "site-${each.key}"

  lifecycle {
    destroy = false
  }
}
"#,
    );
    let dir = project.path();
    apply_ok(dir);
    let made = ids_in_cloud(&cloud);
    assert_eq!(made.len(), 4);
    let old_id = recorded(dir)
        .into_iter()
        .find(|(addr, _)| addr == "tencentcloud_cbs_disk_backup.old")
        .expect("recorded")
        .1;

    rewrite(
        dir,
        r#"
removed {
  from = tencentcloud_cbs_disk_backup.old

  lifecycle {
    destroy = false
  }
}

removed {
  from = tencentcloud_cbs_disk_backup.gone
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  for_each      = toset(["a"])
  instance_id   = "lhins-qs100001"
  snapshot_name = "site-${each.key}"

  lifecycle {
    destroy = false
  }
}
"#,
    );
    let plan = sf(dir, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    for expected in [
        "# tencentcloud_cbs_disk_backup.old will no longer be managed by snapform, but will not be destroyed",
        r#"# tencentcloud_lighthouse_snapshot.site["b"] will no longer be managed by snapform, but will not be destroyed"#,
        "# tencentcloud_cbs_disk_backup.gone will be destroyed",
        "Plan: 0 to add, 0 to change, 1 to destroy.",
        "Warning: Some objects will no longer be managed by snapform",
    ] {
        assert!(
            plan.stdout.contains(expected),
            "{expected}:\n{}",
            plan.stdout
        );
    }
    let apply = apply_ok(dir);
    assert!(
        apply
            .stdout
            .contains("tencentcloud_cbs_disk_backup.old: Removal complete"),
        "{}",
        apply.stdout
    );
    let now = ids_in_cloud(&cloud);
    assert_eq!(
        now.len(),
        3,
        "only the removed block without destroy = false deleted"
    );
    assert!(now.contains(&old_id));
    let addrs: Vec<String> = recorded(dir).into_iter().map(|(addr, _)| addr).collect();
    assert_eq!(addrs, [r#"tencentcloud_lighthouse_snapshot.site["a"]"#]);
    no_changes(dir);

    // `destroy` forgets what has `destroy = false`, and deletes nothing.
    let destroy = sf(dir, &["destroy", "-auto-approve"]);
    assert_eq!(destroy.code, 0, "{}", destroy.transcript());
    assert_eq!(ids_in_cloud(&cloud), now);
    assert!(recorded(dir).is_empty());
}

#[test]
fn a_replacement_under_destroy_false_keeps_the_old_snapshot() {
    let cloud = Cloud::start();
    let project = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "b" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "before"

  lifecycle {
    destroy = false
  }
}
"#,
    );
    let dir = project.path();
    apply_ok(dir);
    let old = ids_in_cloud(&cloud);
    rewrite(
        dir,
        r#"
resource "tencentcloud_cbs_disk_backup" "b" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "after"

  lifecycle {
    destroy = false
  }
}
"#,
    );
    let plan = sf(dir, &["plan"]);
    assert!(plan.stdout.contains("+/. resource"), "{}", plan.stdout);
    apply_ok(dir);
    let now = ids_in_cloud(&cloud);
    assert_eq!(now.len(), 2, "the old one is kept, the new one made");
    assert!(old.is_subset(&now));
    assert_eq!(recorded(dir).len(), 1);
    no_changes(dir);
}

#[test]
fn import_blocks_take_existing_snapshots_and_a_missing_id_names_its_block() {
    let cloud = Cloud::start();
    let source = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "made" {
  for_each         = toset(["web", "db"])
  disk_id          = "disk-qs100001"
  disk_backup_name = "made-${each.key}"
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site"
}
"#,
    );
    apply_ok(source.path());
    let made = recorded(source.path());
    let id_of = |addr: &str| {
        made.iter()
            .find(|(recorded, _)| recorded == addr)
            .expect("made")
            .1
            .clone()
    };
    let (web, db, site) = (
        id_of(r#"tencentcloud_cbs_disk_backup.made["web"]"#),
        id_of(r#"tencentcloud_cbs_disk_backup.made["db"]"#),
        id_of("tencentcloud_lighthouse_snapshot.site"),
    );

    let target = project(&cloud, "");
    let dir = target.path();
    rewrite(
        dir,
        &format!(
            r#"
variable "ids" {{
  default = {{ web = "{web}", db = "{db}" }}
}}

resource "tencentcloud_cbs_disk_backup" "kept" {{
  for_each         = var.ids
  disk_id          = "disk-qs100001"
  disk_backup_name = "made-${{each.key}}"
}}

import {{
  for_each = var.ids
  to       = tencentcloud_cbs_disk_backup.kept[each.key]
  id       = each.value
}}

resource "tencentcloud_lighthouse_snapshot" "site" {{
  instance_id   = "lhins-qs100001"
  snapshot_name = "site"
}}

import {{
  to = tencentcloud_lighthouse_snapshot.site
  id = "lhsnap-nosuch00"
}}
"#
        ),
    );
    let plan = sf(dir, &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.transcript());
    assert!(
        plan.stderr.contains("main.hcl:23:1: error: cannot import non-existent remote object: there is no tencentcloud_lighthouse_snapshot with ID lhsnap-nosuch00"),
        "{}",
        plan.stderr
    );
    let text = std::fs::read_to_string(dir.join("main.hcl")).expect("main.hcl");
    rewrite(dir, &text.replace("lhsnap-nosuch00", &site));
    cloud.delete("stats");
    let plan = sf(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    assert!(
        plan.stdout
            .contains(r#"# tencentcloud_cbs_disk_backup.kept["web"] will be imported"#),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 3 to import, 0 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    let stats = cloud.get("stats");
    assert_eq!(
        stats["total_requests"], 2,
        "one batched read per type: {stats}"
    );
    let apply = apply_ok(dir);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 3 imported, 0 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    let stats = cloud.get("stats");
    for action in stats["requests"].as_object().expect("requests").keys() {
        assert!(action.contains("Describe"), "only reads: {stats}");
    }
    assert_eq!(
        recorded(dir),
        BTreeSet::from([
            (r#"tencentcloud_cbs_disk_backup.kept["db"]"#.to_owned(), db),
            (
                r#"tencentcloud_cbs_disk_backup.kept["web"]"#.to_owned(),
                web
            ),
            ("tencentcloud_lighthouse_snapshot.site".to_owned(), site),
        ])
    );
    no_changes(dir);
}

#[test]
fn generate_config_out_writes_the_missing_resource_blocks() {
    let cloud = Cloud::start();
    let source = project(&cloud, QUICKSTART);
    apply_ok(source.path());
    let id = recorded(source.path()).into_iter().next().expect("made").1;
    let target = project(&cloud, "");
    let dir = target.path();
    rewrite(
        dir,
        &format!("import {{\n  to = tencentcloud_cbs_disk_backup.found\n  id = \"{id}\"\n}}\n"),
    );
    let plan = sf(dir, &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.transcript());
    assert!(
        plan.stderr.contains("-generate-config-out=FILE"),
        "{}",
        plan.stderr
    );
    let plan = sf(dir, &["plan", "-generate-config-out=generated.hcl"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(
        plan.stdout
            .contains("# tencentcloud_cbs_disk_backup.found will be imported"),
        "{}",
        plan.stdout
    );
    let generated = std::fs::read_to_string(dir.join("generated.hcl")).expect("written");
    assert!(
        generated.starts_with("# __generated__ by snapform"),
        "{generated}"
    );
    assert!(
        generated.contains("resource \"tencentcloud_cbs_disk_backup\" \"found\" {\n  disk_id          = \"disk-qs100001\"\n  disk_backup_name = \"nightly\"\n}"),
        "{generated}"
    );
    assert_eq!(
        snapform_config::format::format_source(&generated),
        generated,
        "formatted"
    );
    let again = sf(dir, &["plan", "-generate-config-out=generated.hcl"]);
    assert_eq!(again.code, 1, "{}", again.transcript());
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    apply_ok(dir);
    no_changes(dir);
    assert_eq!(ids_in_cloud(&cloud).len(), 1, "nothing made");
}

#[test]
fn chained_moves_take_an_object_to_the_last_address() {
    let cloud = Cloud::start();
    let project = project(&cloud, QUICKSTART);
    let dir = project.path();
    apply_ok(dir);
    let id = recorded(dir).into_iter().next().expect("recorded").1;
    // Renamed twice over two releases; the first moved block is kept, as Terraform advises.
    rewrite(
        dir,
        r#"
resource "tencentcloud_cbs_disk_backup" "db" {
  for_each         = toset(["primary"])
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}

moved {
  from = tencentcloud_cbs_disk_backup.daily
  to   = tencentcloud_cbs_disk_backup.db["primary"]
}

moved {
  from = tencentcloud_cbs_disk_backup.nightly
  to   = tencentcloud_cbs_disk_backup.daily
}
"#,
    );
    let apply = apply_ok(dir);
    assert!(
        apply
            .stdout
            .contains("Resources: 0 added, 0 changed, 0 destroyed."),
        "{}",
        apply.stdout
    );
    assert_eq!(
        recorded(dir),
        BTreeSet::from([(
            r#"tencentcloud_cbs_disk_backup.db["primary"]"#.to_owned(),
            id
        )])
    );
    no_changes(dir);
}
