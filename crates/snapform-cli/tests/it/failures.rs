//! Runs that go wrong: a failure midway, a refused delete, 20% faults, kill -9 at random
//! moments; each leaves a valid state, no duplicate, no orphan and no secret.

use std::time::Duration;

use snapform_emulator::{EmulatorConfig, FaultConfig};

use crate::cloud::{Cloud, project, sf, state};
use crate::runs::{EVERY_TYPE, apply_ok, assert_no_duplicates_or_orphans, no_changes};

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
fn a_preflight_problem_points_at_the_argument_of_the_block() {
    let cloud = Cloud::start();
    let dir = project(
        &cloud,
        r#"
resource "tencentcloud_cbs_disk_backup" "backup" {
  for_each         = toset(["disk-qs100001", "disk-nosuch01"])
  disk_backup_name = "nightly-${each.key}"
  disk_id          = each.key
}
"#,
    );
    let plan = sf(dir.path(), &["plan"]);
    assert_eq!(plan.code, 1, "{}", plan.transcript());
    // The instances are forgotten before the state is read; the block's expressions still
    // say where the argument is.
    assert!(
        plan.stderr.contains(
            "main.hcl:5:22: error: tencentcloud_cbs_disk_backup.backup[\"disk-nosuch01\"]"
        ),
        "{}",
        plan.transcript()
    );
}
