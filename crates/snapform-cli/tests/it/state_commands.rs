//! The state through the commands: plan files against a moved state, locks, the state
//! subcommands, backends, private files and the journal a crashed run leaves.

use std::time::Duration;

use crate::cloud::{Cloud, project, rewrite, sf, state};
use crate::runs::{EVERY_TYPE, apply_ok, no_changes};

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
