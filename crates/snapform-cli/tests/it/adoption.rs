//! Exact adoption after a lost answer: with the emulator's `lost` fault on every create (the
//! create happens, its answer never comes), snapform finds what it made instead of making a
//! duplicate, also for unnamed snapshot groups and same-named backups of one disk, and stops
//! when it cannot tell.

use std::collections::BTreeSet;

use crate::cloud::{Cloud, project, sf, state};

/// Every create's answer is lost from now on.
fn lose_every_answer(cloud: &Cloud) {
    cloud.post("faults", serde_json::json!({ "lost": 1.0 }));
}

fn faults_off(cloud: &Cloud) {
    cloud.post("faults", serde_json::json!({}));
}

fn ids_in_cloud(cloud: &Cloud, kind: &str) -> BTreeSet<String> {
    cloud
        .resources()
        .iter()
        .filter(|resource| resource["type"] == kind)
        .filter_map(|resource| resource["id"].as_str().map(str::to_owned))
        .collect()
}

fn ids_recorded(dir: &std::path::Path) -> BTreeSet<String> {
    state(dir)["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|record| record["id"].as_str().map(str::to_owned))
        .collect()
}

fn pending(dir: &std::path::Path) -> Vec<serde_json::Value> {
    state(dir)["pending"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn an_unnamed_snapshot_group_is_found_by_its_disks_after_a_lost_answer() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_snapshot_group" "app" {
  disk_ids = ["disk-qs100001", "disk-qs100002"]
}

resource "tencentcloud_cbs_snapshot_group" "other" {
  disk_ids = ["disk-qs100003"]
}
"#,
    );
    let dir = dir.path();
    lose_every_answer(&cloud);
    let apply = sf(dir, &["apply", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(
        apply.stdout.contains("looking for what it made"),
        "{}",
        apply.stdout
    );
    faults_off(&cloud);
    let groups = ids_in_cloud(&cloud, "cbs_snapshot_group");
    assert_eq!(groups.len(), 2, "one group each, no duplicate: {groups:?}");
    assert_eq!(
        ids_recorded(dir),
        groups,
        "each adopted under its own address"
    );
    assert!(pending(dir).is_empty());
    let again = sf(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.transcript());
}

#[test]
fn same_named_backups_of_one_disk_are_each_found_after_lost_answers() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "first" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}

resource "tencentcloud_cbs_disk_backup" "second" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"

  depends_on = [tencentcloud_cbs_disk_backup.first]
}
"#,
    );
    let dir = dir.path();
    lose_every_answer(&cloud);
    let apply = sf(dir, &["apply", "-auto-approve"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    faults_off(&cloud);
    let backups = ids_in_cloud(&cloud, "cbs_disk_backup");
    assert_eq!(backups.len(), 2, "{backups:?}");
    assert_eq!(ids_recorded(dir), backups);
    let again = sf(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}", again.transcript());
}

#[test]
fn an_ambiguous_lookup_stops_that_resource_until_the_user_settles_it() {
    let cloud = Cloud::start();
    let config = r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}

resource "tencentcloud_cbs_disk_backup" "other" {
  disk_id          = "disk-qs100003"
  disk_backup_name = "other"
}
"#;
    // Another team's project made a backup of the same disk with the same name just now.
    let theirs = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}
"#,
    );
    assert_eq!(sf(theirs.path(), &["apply", "-auto-approve"]).code, 0);
    let their_id = state(theirs.path())["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|record| record["addr"] == "tencentcloud_cbs_disk_backup.nightly")
        .expect("recorded")["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let ours = project(&cloud, config);
    let dir = ours.path();
    lose_every_answer(&cloud);
    let apply = sf(dir, &["apply", "-auto-approve"]);
    faults_off(&cloud);
    assert_eq!(apply.code, 1, "{}", apply.transcript());
    let backups_of_disk = |disk: &str| -> BTreeSet<String> {
        cloud
            .resources()
            .iter()
            .filter(|resource| resource["parents"].to_string().contains(disk))
            .filter_map(|resource| resource["id"].as_str().map(str::to_owned))
            .collect()
    };
    let candidates = backups_of_disk("disk-qs100001");
    assert_eq!(
        candidates.len(),
        2,
        "ours and theirs, no third: {candidates:?}"
    );
    let our_id = candidates
        .iter()
        .find(|id| **id != their_id)
        .expect("ours")
        .clone();
    for id in &candidates {
        assert!(
            apply.stdout.contains(id.as_str()),
            "lists {id}:\n{}",
            apply.stdout
        );
    }
    assert!(
        apply
            .stdout
            .contains("snapform import 'tencentcloud_cbs_disk_backup.nightly'"),
        "{}",
        apply.stdout
    );
    // The rest of the configuration was applied; the intent waits for the user.
    assert!(ids_recorded(dir).len() == 1, "{}", apply.transcript());
    assert_eq!(pending(dir).len(), 1);

    // Planning again stops at the same place and creates nothing.
    let plan = sf(dir, &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.transcript());
    assert!(
        plan.stderr.contains("ambiguous") || plan.stderr.contains("objects fit"),
        "{}",
        plan.stderr
    );
    assert!(plan.stderr.contains(&their_id), "{}", plan.stderr);
    assert!(
        !plan
            .stdout
            .contains("tencentcloud_cbs_disk_backup.nightly will be created"),
        "{}",
        plan.stdout
    );

    // The user says which is ours.
    let import = sf(
        dir,
        &["import", "tencentcloud_cbs_disk_backup.nightly", &our_id],
    );
    assert_eq!(import.code, 0, "{}", import.transcript());
    assert!(pending(dir).is_empty());
    let settled = sf(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(settled.code, 0, "{}", settled.transcript());
    assert_eq!(
        backups_of_disk("disk-qs100001").len(),
        2,
        "no duplicate, no orphan"
    );
}

#[test]
fn state_rm_of_an_unfinished_create_forgets_it() {
    let cloud = Cloud::start();
    let config = r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {
  disk_id          = "disk-qs100001"
  disk_backup_name = "nightly"
}
"#;
    let theirs = project(&cloud, config);
    assert_eq!(sf(theirs.path(), &["apply", "-auto-approve"]).code, 0);
    let ours = project(&cloud, config);
    let dir = ours.path();
    lose_every_answer(&cloud);
    assert_eq!(sf(dir, &["apply", "-auto-approve"]).code, 1);
    faults_off(&cloud);
    let removed = sf(
        dir,
        &["state", "rm", "tencentcloud_cbs_disk_backup.nightly"],
    );
    assert_eq!(removed.code, 0, "{}", removed.transcript());
    assert!(
        removed.stdout.contains("an unfinished create"),
        "{}",
        removed.stdout
    );
    assert!(pending(dir).is_empty());
    // The next plan creates it anew.
    let plan = sf(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
}

#[test]
fn hundreds_of_interrupted_creates_are_looked_up_in_a_few_calls() {
    const N: usize = 300;
    let cloud = Cloud::with(snapform_emulator::EmulatorConfig {
        inventory: snapform_emulator::Inventory::generated(N),
        rate_limit: 0,
        ..snapform_emulator::EmulatorConfig::default()
    });
    let dir = project(
        &cloud,
        &format!(
            r#"
resource "tencentcloud_cbs_disk_backup" "fleet" {{
  count            = {N}
  disk_id          = format("disk-g%07d", count.index)
  disk_backup_name = "nightly-${{count.index}}"
}}
"#
        ),
    );
    let dir = dir.path();
    std::fs::write(
        dir.join("providers.hcl"),
        crate::cloud::providers_hcl(&cloud).replace(
            "region   = \"ap-guangzhou\"",
            "region     = \"ap-guangzhou\"\n  rate_limit = 10000",
        ),
    )
    .expect("write providers.hcl");
    // Make the backups, then turn the state into that of a run killed after every create was
    // sent and before any answer came: nothing recorded, an intent for each.
    let applied = sf(dir, &["apply", "-auto-approve", "-parallelism=50"]);
    assert_eq!(applied.code, 0, "{}", applied.transcript());
    let mut recorded = state(dir);
    let records = recorded["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(records.len(), N);
    recorded["pending"] = records
        .iter()
        .map(|record| {
            serde_json::json!({
                "id": "",
                "addr": record["addr"],
                "provider": "tencentcloud",
                "region": "ap-guangzhou",
                "operation": "create",
                "arguments": {
                    "disk_id": record["attributes"]["disk_id"],
                    "disk_backup_name": record["attributes"]["disk_backup_name"],
                },
                "started_at": "2026-01-01T00:00:00Z",
            })
        })
        .collect();
    recorded["resources"] = serde_json::json!([]);
    std::fs::write(
        dir.join("snapform.tfstate"),
        serde_json::to_string_pretty(&recorded).expect("JSON"),
    )
    .expect("write the state");
    cloud.delete("stats");

    let plan = sf(dir, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert_eq!(
        plan.stdout.matches("will be adopted").count(),
        N,
        "every create is adopted:\n{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("will be created"), "{}", plan.stdout);
    let stats = cloud.get("stats");
    let lookups = stats["requests"]["cbs.DescribeDiskBackups"]
        .as_u64()
        .unwrap_or_default();
    assert!(
        lookups <= 2 * N.div_ceil(100) as u64,
        "{N} pending creates took {lookups} DescribeDiskBackups calls: {stats}"
    );
}
