//! Whole runs of the binary against an emulator: plan, apply, plan again shows no changes, for
//! every resource type and every kind of change, plus drift, import, failures, faults,
//! kill -9, locks and secrets.

use std::collections::BTreeMap;
use std::time::Duration;

use snapform_emulator::{EmulatorConfig, FaultConfig};

use crate::cloud::{Cloud, project, rewrite, sf, state};

pub(crate) const EVERY_TYPE: &str = r#"
resource "tencentcloud_cbs_disk_backup" "backup" {
  for_each         = toset(["disk-qs100001", "disk-qs100002"])
  disk_id          = each.key
  disk_backup_name = "nightly-${each.key}"
}

resource "tencentcloud_cbs_snapshot_group" "group" {
  disk_ids            = ["disk-qs100003", "disk-qs100004"]
  snapshot_group_name = "group"
  tags                = { team = "platform" }
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site"
}

resource "alicloud_ecd_snapshot" "desk" {
  count            = 2
  desktop_id       = "ecd-qs100000000000${count.index + 1}"
  snapshot_name    = "desk-${count.index}"
  source_disk_type = "system"
}

resource "alicloud_ens_snapshot" "edge" {
  ens_region_id = "cn-shenzhen-3"
  disk_id       = "d-qs10000000000000001"
  snapshot_name = "edge"
  description   = "edge cache"
}

output "site" {
  value = tencentcloud_lighthouse_snapshot.site.id
}
"#;

fn no_changes(dir: &std::path::Path) {
    let run = sf(dir, &["plan", "-detailed-exitcode"]);
    assert_eq!(
        run.code,
        0,
        "the second plan must show no changes:\n{}",
        run.transcript()
    );
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
}

fn apply_ok(dir: &std::path::Path) -> crate::support::Run {
    let run = sf(dir, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "apply failed:\n{}", run.transcript());
    run
}

/// Each (type, name) the cloud has, counted: a count above one is a duplicate.
pub(crate) fn names(cloud: &Cloud) -> BTreeMap<(String, String), usize> {
    let mut names = BTreeMap::new();
    for resource in cloud.resources() {
        let key = (
            resource["type"].as_str().unwrap_or_default().to_owned(),
            format!(
                "{}|{}",
                resource["name"].as_str().unwrap_or_default(),
                resource["parents"]
            ),
        );
        *names.entry(key).or_insert(0) += 1;
    }
    names
}

/// The cloud and the state agree: every recorded ID exists, every resource is recorded once.
fn assert_no_duplicates_or_orphans(cloud: &Cloud, dir: &std::path::Path) {
    let state = state(dir);
    let recorded: Vec<String> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    let mut in_cloud: Vec<String> = cloud
        .resources()
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    in_cloud.sort();
    let mut recorded_sorted = recorded.clone();
    recorded_sorted.sort();
    assert_eq!(
        in_cloud, recorded_sorted,
        "the cloud holds exactly what the state records (no orphan, nothing missing)"
    );
    assert!(
        names(cloud).values().all(|n| *n == 1),
        "no duplicates: {:?}",
        names(cloud)
    );
    assert_eq!(state["pending"], serde_json::json!([]), "no intent left");
}

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
fn a_failure_midway_leaves_a_valid_state_and_a_rerun_converges() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    let plan = sf(dir.path(), &["plan", "-out=tfplan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    // A disk disappears between plan and apply.
    let inventory = cloud.get("inventory");
    let mut without_disk = inventory.clone();
    let disks = without_disk["tencentcloud"]["ap-guangzhou"]["disks"]
        .as_array_mut()
        .expect("disks");
    disks.retain(|disk| disk["id"] != "disk-qs100002");
    cloud.put("inventory", without_disk);
    let run = sf(dir.path(), &["apply", "tfplan"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains("InvalidDiskId.NotFound"),
        "the cloud's code is shown: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("request id"),
        "and its request id: {}",
        run.stdout
    );
    let recorded = state(dir.path());
    assert_eq!(
        recorded["resources"].as_array().expect("r").len(),
        6,
        "everything else was created and recorded"
    );
    assert_eq!(recorded["pending"], serde_json::json!([]));
    cloud.put("inventory", inventory);
    apply_ok(dir.path());
    no_changes(dir.path());
    assert_no_duplicates_or_orphans(&cloud, dir.path());
}

#[test]
fn a_replacement_whose_delete_fails_reports_one_delete_failure() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        r#"
resource "tencentcloud_lighthouse_snapshot" "first" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "first"
  timeouts {
    delete = "1s"
  }
}

resource "tencentcloud_lighthouse_snapshot" "second" {
  instance_id   = "lhins-qs100002"
  snapshot_name = "second"
  lifecycle {
    create_before_destroy = true
  }
  timeouts {
    delete = "1s"
  }
}
"#,
    );
    apply_ok(dir.path());
    // Failed snapshots are replaced, and the cloud refuses to delete them.
    for resource in cloud.resources() {
        let id = resource["id"].as_str().expect("id");
        cloud.post(
            &format!("resources/{id}"),
            serde_json::json!({"status": "FAILED"}),
        );
    }
    let run = sf(dir.path(), &["apply", "-auto-approve"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    for addr in [
        "tencentcloud_lighthouse_snapshot.first",
        "tencentcloud_lighthouse_snapshot.second",
    ] {
        let failures: Vec<&str> = run
            .stdout
            .lines()
            .filter(|line| line.starts_with(&format!("{addr}: ")) && line.contains(" failed: "))
            .collect();
        assert_eq!(failures.len(), 1, "{addr}: {failures:?}\n{}", run.stdout);
        assert!(
            failures[0].starts_with(&format!("{addr}: delete failed: ")),
            "{}",
            failures[0]
        );
    }
}

#[test]
fn a_plan_file_is_refused_when_the_state_moved_on() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    assert_eq!(sf(dir.path(), &["plan", "-out=first.plan"]).code, 0);
    let show = sf(dir.path(), &["show", "-json", "first.plan"]);
    let json: serde_json::Value = serde_json::from_str(&show.stdout).expect("JSON plan");
    assert_eq!(json["format_version"], "1.2");
    assert_eq!(
        json["resource_changes"].as_array().expect("changes").len(),
        7
    );
    assert_eq!(sf(dir.path(), &["apply", "first.plan"]).code, 0);
    // The same plan, made on an empty state, must not create everything twice.
    let again = sf(dir.path(), &["apply", "first.plan"]);
    assert_eq!(again.code, 1, "{}", again.transcript());
    assert!(
        again.stderr.contains("made when there was no state"),
        "{}",
        again.stderr
    );
    assert_eq!(cloud.resources().len(), 7, "no duplicate");
    assert_eq!(sf(dir.path(), &["plan", "-out=second.plan"]).code, 0);
    rewrite(
        dir.path(),
        &EVERY_TYPE.replace("snapshot_name = \"site\"", "snapshot_name = \"site-v2\""),
    );
    let changed = sf(dir.path(), &["apply", "second.plan"]);
    assert!(
        changed
            .stderr
            .contains("configuration or its variables changed"),
        "{}",
        changed.stderr
    );
}

#[test]
fn a_held_lock_makes_a_second_command_fail_fast() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    let backend = snapform_state::LocalBackend::new(dir.path().join("snapform.tfstate"));
    let info = snapform_state::LockInfo {
        id: "held-by-test".to_owned(),
        operation: "apply".to_owned(),
        who: "tester@ci".to_owned(),
        version: "0".to_owned(),
        created: "2026-11-22T03:00:00Z".to_owned(),
        path: String::new(),
        pid: std::process::id(),
    };
    let guard = snapform_state::Backend::lock(&backend, info, Duration::ZERO).expect("locked");
    let started = std::time::Instant::now();
    let run = sf(dir.path(), &["apply", "-auto-approve"]);
    assert_eq!(run.code, 1);
    // Without a timeout the lock is refused at once; the bound leaves room for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(10), "fails fast");
    assert!(
        run.stderr
            .contains("the state is locked by tester@ci running `apply`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("force-unlock held-by-test"),
        "{}",
        run.stderr
    );
    let waited = sf(dir.path(), &["plan", "-lock-timeout=300ms"]);
    assert_eq!(waited.code, 1);
    // State commands take the same lock, with the same hint.
    let state_rm = sf(
        dir.path(),
        &["state", "rm", "tencentcloud_lighthouse_snapshot.site"],
    );
    assert_eq!(state_rm.code, 1);
    assert!(
        state_rm.stderr.contains("force-unlock held-by-test"),
        "{}",
        state_rm.stderr
    );
    // A lock whose holder is alive cannot be forced.
    let forced = sf(dir.path(), &["force-unlock", "held-by-test"]);
    assert_eq!(forced.code, 1, "{}", forced.transcript());
    drop(guard);
    assert!(
        cloud.resources().is_empty(),
        "nothing was created under someone else's lock"
    );
    assert_eq!(sf(dir.path(), &["plan", "-lock-timeout=1s"]).code, 0);
}

#[test]
fn secrets_never_reach_the_state_the_plan_file_or_the_output() {
    let cloud = Cloud::start();
    let secret = snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY;
    let dir = project(&cloud, EVERY_TYPE);
    std::fs::write(
        dir.path().join("providers.hcl"),
        format!(
            "provider \"tencentcloud\" {{\n  region     = \"ap-guangzhou\"\n  endpoint   = \"{0}\"\n  secret_id  = \"{1}\"\n  secret_key = \"{secret}\"\n}}\n\nprovider \"alicloud\" {{\n  region   = \"cn-hangzhou\"\n  endpoint = \"{0}\"\n}}\n",
            cloud.endpoint,
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID
        ),
    )
    .expect("write");
    let env: Vec<(&str, String)> = crate::cloud::env(dir.path())
        .into_iter()
        .filter(|(k, _)| !k.starts_with("TENCENTCLOUD"))
        .collect();
    let plan = crate::support::snapform_with_env(dir.path(), &["plan", "-out=tfplan"], "", &env);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    let apply =
        crate::support::snapform_with_env(dir.path(), &["apply", "-json", "tfplan"], "", &env);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    for line in apply.stdout.lines() {
        let _: serde_json::Value =
            serde_json::from_str(line).expect("-json prints one JSON object per line");
    }
    let show =
        crate::support::snapform_with_env(dir.path(), &["show", "-json", "tfplan"], "", &env);
    for (what, text) in [
        ("plan output", plan.transcript()),
        ("apply output", apply.transcript()),
        ("show -json", show.stdout.clone()),
        (
            "plan file",
            std::fs::read_to_string(dir.path().join("tfplan")).expect("plan file"),
        ),
        (
            "state",
            std::fs::read_to_string(dir.path().join("snapform.tfstate")).expect("state"),
        ),
    ] {
        assert!(
            !text.contains(secret),
            "the secret key leaked into the {what}"
        );
    }
}

#[test]
fn faults_at_twenty_percent_converge_without_duplicates_or_orphans() {
    let faults = FaultConfig {
        server_error: 0.05,
        throttle: 0.05,
        busy: 0.04,
        reset: 0.03,
        lost: 0.03,
        ..FaultConfig::default()
    };
    let cloud = Cloud::with(EmulatorConfig {
        faults,
        seed: 42,
        ..EmulatorConfig::default()
    });
    let dir = project(&cloud, EVERY_TYPE);
    let mut converged = false;
    for _ in 0..3 {
        if sf(dir.path(), &["apply", "-auto-approve"]).code == 0 {
            converged = true;
            break;
        }
    }
    assert!(converged, "three runs converge under 20% faults");
    cloud.post("faults", serde_json::json!({}));
    no_changes(dir.path());
    assert_no_duplicates_or_orphans(&cloud, dir.path());
}

#[test]
fn kill_9_at_random_moments_never_duplicates_or_orphans() {
    let cloud = Cloud::with(EmulatorConfig {
        latency: Duration::from_millis(20),
        ..EmulatorConfig::default()
    });
    let dir = project(&cloud, EVERY_TYPE);
    let env = crate::cloud::env(dir.path());
    // Deterministic "random" moments, spread over the whole apply.
    for (round, delay_ms) in [120u64, 350, 60, 700, 240].into_iter().enumerate() {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_snapform"))
            .args(["apply", "-auto-approve"])
            .current_dir(dir.path())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("snapform starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let rerun = sf(dir.path(), &["apply", "-auto-approve"]);
        assert_eq!(
            rerun.code,
            0,
            "round {round}: the rerun converges:\n{}",
            rerun.transcript()
        );
        assert_no_duplicates_or_orphans(&cloud, dir.path());
        // Start the next round from nothing to kill a fresh apply again.
        assert_eq!(sf(dir.path(), &["destroy", "-auto-approve"]).code, 0);
    }
}

#[test]
fn state_commands_list_show_move_remove_pull_and_push() {
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    apply_ok(dir.path());
    let list = sf(dir.path(), &["state", "list"]);
    assert_eq!(list.stdout.lines().count(), 7, "{}", list.stdout);
    let show = sf(
        dir.path(),
        &["state", "show", "tencentcloud_lighthouse_snapshot.site"],
    );
    let block = "# tencentcloud_lighthouse_snapshot.site:\nresource \"tencentcloud_lighthouse_snapshot\" \"site\" {\n";
    assert!(show.stdout.starts_with(block), "{}", show.stdout);
    assert!(show.stdout.contains("snapshot_name"), "{}", show.stdout);
    assert!(show.stdout.contains("\n    id "), "{}", show.stdout);
    let everything = sf(dir.path(), &["show"]).stdout;
    assert!(everything.contains(block), "{everything}");
    assert_eq!(everything.matches("\n}\n\n").count(), 7, "{everything}");
    let pulled = sf(dir.path(), &["state", "pull"]).stdout;
    let moved = sf(
        dir.path(),
        &[
            "state",
            "mv",
            "tencentcloud_lighthouse_snapshot.site",
            "tencentcloud_lighthouse_snapshot.renamed",
        ],
    );
    assert_eq!(moved.code, 0, "{}", moved.transcript());
    let plan = sf(dir.path(), &["plan"]);
    assert!(
        plan.stdout
            .contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "a moved record no longer matches its block:\n{}",
        plan.stdout
    );
    let removed = sf(
        dir.path(),
        &["state", "rm", "tencentcloud_lighthouse_snapshot.renamed"],
    );
    assert!(
        removed
            .stdout
            .contains("Successfully removed 1 resource instance(s)."),
        "{}",
        removed.transcript()
    );
    // Pushing the older copy back is refused unless forced.
    std::fs::write(dir.path().join("old.tfstate"), &pulled).expect("write");
    let refused = sf(dir.path(), &["state", "push", "old.tfstate"]);
    assert_eq!(refused.code, 1, "{}", refused.transcript());
    assert!(
        refused.stderr.contains("cannot push an older state"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        sf(dir.path(), &["state", "push", "-force", "old.tfstate"]).code,
        0
    );
    no_changes(dir.path());
}

#[test]
fn every_command_follows_the_configured_backend_and_hides_sensitive_outputs() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        r#"
snapform {
  backend "local" {
    path = "team.tfstate"
  }
}

resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site"
}

output "site" {
  value = tencentcloud_lighthouse_snapshot.site.id
}

output "secret" {
  value     = tencentcloud_lighthouse_snapshot.site.snapshot_name
  sensitive = true
}
"#,
    );
    let applied = apply_ok(dir.path());
    assert!(
        applied.stdout.contains("secret = <sensitive>"),
        "{}",
        applied.stdout
    );
    assert!(dir.path().join("team.tfstate").exists());
    assert!(!dir.path().join("snapform.tfstate").exists());

    let show = sf(dir.path(), &["show"]);
    assert!(
        show.stdout
            .contains("# tencentcloud_lighthouse_snapshot.site:"),
        "{}",
        show.transcript()
    );
    let list = sf(dir.path(), &["state", "list"]);
    assert_eq!(list.stdout, "tencentcloud_lighthouse_snapshot.site\n");

    let outputs = sf(dir.path(), &["output"]);
    assert!(
        outputs.stdout.contains("secret = <sensitive>\n"),
        "{}",
        outputs.stdout
    );
    assert!(
        outputs.stdout.contains("site = \"lhsnap-"),
        "{}",
        outputs.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&sf(dir.path(), &["output", "-json"]).stdout).expect("JSON");
    assert_eq!(json["secret"]["sensitive"], true);
    // All outputs at once hide a sensitive value; naming it shows it.
    assert_eq!(json["secret"].get("value"), None);
    assert_eq!(
        sf(dir.path(), &["output", "-json", "secret"]).stdout,
        "\"site\"\n"
    );
    assert_eq!(json["site"]["sensitive"], false);
    // Asking for one output by name prints it, as Terraform does.
    assert_eq!(sf(dir.path(), &["output", "-raw", "secret"]).stdout, "site");

    // A lock left by a process that is gone is cleared by force-unlock.
    let backend = snapform_state::LocalBackend::new(dir.path().join("team.tfstate"));
    let stale = snapform_state::LockInfo {
        id: "stale-lock".to_owned(),
        operation: "apply".to_owned(),
        who: "gone@ci".to_owned(),
        version: "0".to_owned(),
        created: "2026-11-22T03:00:00Z".to_owned(),
        path: String::new(),
        pid: 1,
    };
    std::fs::write(
        backend.lock_info_path(),
        serde_json::to_string(&stale).expect("lock info"),
    )
    .expect("write the lock info");
    let unlocked = sf(dir.path(), &["force-unlock", "stale-lock"]);
    assert_eq!(unlocked.code, 0, "{}", unlocked.transcript());
    assert!(
        unlocked.stdout.contains("successfully unlocked"),
        "{}",
        unlocked.stdout
    );
    assert!(!backend.lock_info_path().exists());
    no_changes(dir.path());
}

/// Sends SIGINT, as Ctrl-C does.
fn interrupt(child: &std::process::Child) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn ctrl_c_stops_gracefully_and_a_second_one_leaves_at_once() {
    let cloud = Cloud::with(EmulatorConfig {
        ready_after: Duration::from_secs(3),
        ..EmulatorConfig::default()
    });
    let dir = project(&cloud, EVERY_TYPE);
    let env = crate::cloud::env(dir.path());
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_snapform"))
            .args(["apply", "-auto-approve"])
            .current_dir(dir.path())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("snapform starts")
    };
    // Once the first creates are under way, one Ctrl-C: no new calls, the state is saved.
    let child = spawn();
    std::thread::sleep(Duration::from_millis(800));
    interrupt(&child);
    let started = std::time::Instant::now();
    let output = child.wait_with_output().expect("it exits");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "it does not wait for readiness"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("Interrupt received"), "{stderr}");
    assert!(stdout.contains("Stopped:"), "{stdout}");
    let recorded = state(dir.path());
    assert!(
        !recorded["resources"].as_array().expect("r").is_empty(),
        "what was created is recorded"
    );
    // The rerun waits for what the interrupted run created and finishes the rest.
    apply_ok(dir.path());
    no_changes(dir.path());
    assert_no_duplicates_or_orphans(&cloud, dir.path());

    // Two Ctrl-C: it leaves at once, after saving.
    assert_eq!(sf(dir.path(), &["destroy", "-auto-approve"]).code, 0);
    let child = spawn();
    std::thread::sleep(Duration::from_millis(800));
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(50));
    interrupt(&child);
    let started = std::time::Instant::now();
    let output = child.wait_with_output().expect("it exits");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it leaves at once"
    );
    assert_eq!(output.status.code(), Some(1));
    let _ = state(dir.path());
    apply_ok(dir.path());
    assert_no_duplicates_or_orphans(&cloud, dir.path());
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

#[cfg(unix)]
#[test]
fn files_holding_state_are_private_and_a_finished_apply_leaves_no_journal() {
    use std::os::unix::fs::PermissionsExt;
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    let plan = sf(dir.path(), &["plan", "-out=tfplan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    let apply = sf(dir.path(), &["apply", "tfplan"]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    // A second apply overwrites the state, so the backup is written too.
    rewrite(
        dir.path(),
        &EVERY_TYPE.replace("snapshot_name = \"site\"", "snapshot_name = \"site-v2\""),
    );
    apply_ok(dir.path());
    for name in ["snapform.tfstate", "snapform.tfstate.backup", "tfplan"] {
        let mode = std::fs::metadata(dir.path().join(name))
            .expect(name)
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name} is {mode:o}");
    }
    assert!(
        !dir.path().join("snapform.tfstate.journal").exists(),
        "the run's journal was folded into the state file"
    );
    no_changes(dir.path());
}

#[test]
fn steps_a_crashed_run_left_in_the_journal_are_read_and_folded_by_the_next_locked_command() {
    use snapform_state::Backend;
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    apply_ok(dir.path());
    let state_path = dir.path().join("snapform.tfstate");
    let journal_path = dir.path().join("snapform.tfstate.journal");
    // A run that died after saving one step: it forgot the Lighthouse snapshot.
    let mut backend = snapform_state::LocalBackend::new(&state_path);
    let stored = backend.read().expect("readable").expect("exists");
    let mut delta = snapform_state::StateDelta::empty(stored.lineage.clone(), stored.serial + 1);
    delta.removed.push(
        "tencentcloud_lighthouse_snapshot.site"
            .parse()
            .expect("address"),
    );
    backend.save(&delta).expect("saved");
    drop(backend);
    let file_before = std::fs::read_to_string(&state_path).expect("state");

    let list = sf(dir.path(), &["state", "list"]);
    assert_eq!(list.code, 0, "{}", list.transcript());
    assert_eq!(
        list.stdout.lines().count(),
        6,
        "reading applies the journal"
    );
    assert!(!list.stdout.contains("lighthouse"), "{}", list.stdout);
    assert_eq!(
        std::fs::read_to_string(&state_path).expect("state"),
        file_before,
        "a command that does not lock changes no file"
    );
    let plan = sf(dir.path(), &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    assert!(!journal_path.exists(), "the plan's lock folded the journal");
    assert_eq!(state(dir.path())["serial"], stored.serial + 1);
    assert_eq!(
        state(dir.path())["resources"].as_array().expect("r").len(),
        6
    );
}
