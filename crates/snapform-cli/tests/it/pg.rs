//! The binary with `backend "pg"` on a real PostgreSQL server (one cluster for this test
//! binary, a database per test) and the in-process emulator: the lifecycle, two applies at
//! once, a holder killed with kill -9, connections dropped mid-apply, a database that stays
//! away, a serial that does not follow, force-unlock, migration local to pg and back, and
//! workspaces.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use snapform_emulator::EmulatorConfig;
use snapform_test_support::pg::{PgCluster, TestDatabase};

use crate::cloud::{Cloud, project, rewrite};
use crate::runs::{EVERY_TYPE, names};
use crate::support::Run;

/// Given in every connection string; trust authentication ignores it, and no output may show
/// it.
const PASSWORD: &str = "pg-pass-31337";

const SCHEMA: &str = "team_state";

fn backend_hcl() -> String {
    format!("snapform {{\n  backend \"pg\" {{\n    schema_name = \"{SCHEMA}\"\n  }}\n}}\n")
}

fn conn_str(db: &TestDatabase<'_>) -> String {
    format!("{} password={PASSWORD}", db.conn_str())
}

/// A project whose state is in `db`.
fn pg_project(cloud: &Cloud, main_hcl: &str) -> tempfile::TempDir {
    let dir = project(cloud, main_hcl);
    std::fs::write(dir.path().join("backend.hcl"), backend_hcl()).expect("write");
    dir
}

fn env(
    dir: &Path,
    db: &TestDatabase<'_>,
    extra: &[(&'static str, String)],
) -> Vec<(&'static str, String)> {
    let mut env = crate::cloud::env(dir);
    env.push(("SNAPFORM_PG_CONN_STR", conn_str(db)));
    env.push(("SNAPFORM_PG_RETRY_TIMEOUT", "5s".to_owned()));
    env.extend(extra.iter().cloned());
    env
}

/// Runs snapform in `dir` with its state in `db`; no output ever shows the password.
fn sfp(dir: &Path, db: &TestDatabase<'_>, args: &[&str]) -> Run {
    sfp_with(dir, db, args, "", &[])
}

fn sfp_with(
    dir: &Path,
    db: &TestDatabase<'_>,
    args: &[&str],
    stdin: &str,
    extra: &[(&'static str, String)],
) -> Run {
    let run = crate::support::snapform_with_env(dir, args, stdin, &env(dir, db, extra));
    assert_no_password(&run);
    run
}

fn assert_no_password(run: &Run) {
    assert!(
        !run.stdout.contains(PASSWORD) && !run.stderr.contains(PASSWORD),
        "the password was printed:\n{}",
        run.transcript()
    );
}

/// Starts snapform in the background.
fn spawn(
    dir: &Path,
    db: &TestDatabase<'_>,
    args: &[&str],
    extra: &[(&'static str, String)],
) -> Child {
    Command::new(env!("CARGO_BIN_EXE_snapform"))
        .args(args)
        .current_dir(dir)
        .envs(env(dir, db, extra))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("snapform starts")
}

fn finish(child: Child) -> Run {
    let output = child.wait_with_output().expect("snapform finishes");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_no_password(&run);
    run
}

/// Rows of a state table, 0 before the tables exist.
fn rows(db: &TestDatabase<'_>, table: &str) -> u64 {
    let exists = db.scalar(&format!("SELECT to_regclass('{SCHEMA}.{table}')::text"));
    if exists.is_none() {
        return 0;
    }
    db.scalar(&format!("SELECT count(*) FROM {SCHEMA}.{table}"))
        .and_then(|text| text.parse().ok())
        .unwrap_or(0)
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < timeout,
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The state, as `state pull` prints it.
fn pulled(dir: &Path, db: &TestDatabase<'_>) -> serde_json::Value {
    let run = sfp(dir, db, &["state", "pull"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    serde_json::from_str(&run.stdout).expect("the state is JSON")
}

fn ids(state: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = state["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|record| record["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn cloud_ids(cloud: &Cloud) -> Vec<String> {
    let mut ids: Vec<String> = cloud
        .resources()
        .iter()
        .map(|resource| resource["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

/// The cloud holds exactly what the state records, each once, and no intent is left.
fn converged(cloud: &Cloud, dir: &Path, db: &TestDatabase<'_>) {
    let state = pulled(dir, db);
    assert_eq!(cloud_ids(cloud), ids(&state), "no orphan, nothing missing");
    assert!(
        names(cloud).values().all(|n| *n == 1),
        "no duplicates: {:?}",
        names(cloud)
    );
    assert_eq!(state["pending"], serde_json::json!([]), "no intent left");
    let plan = sfp(dir, db, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 0, "no changes:\n{}", plan.transcript());
}

fn apply_ok(dir: &Path, db: &TestDatabase<'_>) -> Run {
    let run = sfp(dir, db, &["apply", "-auto-approve"]);
    assert_eq!(run.code, 0, "apply failed:\n{}", run.transcript());
    run
}

fn slow_cloud() -> Cloud {
    Cloud::with(EmulatorConfig {
        ready_after: Duration::from_millis(1500),
        ..EmulatorConfig::default()
    })
}

#[test]
fn plan_apply_update_and_destroy_keep_the_state_in_postgresql() {
    let db = PgCluster::shared().database();
    let cloud = Cloud::start();
    let dir = pg_project(&cloud, EVERY_TYPE);
    let plan = sfp(dir.path(), &db, &["plan", "-detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.transcript());
    let run = apply_ok(dir.path(), &db);
    assert!(
        run.stdout
            .contains("Apply complete! Resources: 7 added, 0 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert!(
        !dir.path().join("snapform.tfstate").exists(),
        "no local state"
    );
    assert_eq!(rows(&db, "resources"), 7, "one row per record");
    assert_eq!(rows(&db, "intents"), 0);
    assert_eq!(rows(&db, "locks"), 0, "the lock info went with the lock");
    converged(&cloud, dir.path(), &db);
    let output = sfp(dir.path(), &db, &["output", "-raw", "site"]);
    assert!(
        output.stdout.starts_with("lhsnap-"),
        "{}",
        output.transcript()
    );
    let show = sfp(dir.path(), &db, &["show"]);
    assert!(
        show.stdout
            .contains("# tencentcloud_lighthouse_snapshot.site:"),
        "{}",
        show.transcript()
    );

    // An update in place, then a destroy.
    rewrite(
        dir.path(),
        &EVERY_TYPE.replace("snapshot_name = \"site\"", "snapshot_name = \"site-v2\""),
    );
    let updated = apply_ok(dir.path(), &db);
    assert!(
        updated.stdout.contains("0 added, 1 changed, 0 destroyed"),
        "{}",
        updated.stdout
    );
    converged(&cloud, dir.path(), &db);
    let destroyed = sfp(dir.path(), &db, &["destroy", "-auto-approve"]);
    assert_eq!(destroyed.code, 0, "{}", destroyed.transcript());
    assert!(cloud.resources().is_empty());
    assert_eq!(rows(&db, "resources"), 0);
}

#[test]
fn two_applies_at_once_one_waits_for_the_lock_and_one_fails_naming_its_holder() {
    let db = PgCluster::shared().database();
    let cloud = slow_cloud();
    let dir = pg_project(&cloud, EVERY_TYPE);
    let first = spawn(dir.path(), &db, &["apply", "-auto-approve"], &[]);
    wait_until(
        "the first apply holds the lock",
        Duration::from_secs(30),
        || rows(&db, "locks") == 1,
    );
    let refused = sfp(dir.path(), &db, &["apply", "-auto-approve"]);
    assert_eq!(refused.code, 1, "{}", refused.transcript());
    assert!(
        refused.stderr.contains("running `apply`") && refused.stderr.contains("force-unlock"),
        "names the holder and the way out:\n{}",
        refused.stderr
    );
    let waiting = spawn(
        dir.path(),
        &db,
        &["apply", "-auto-approve", "-lock-timeout=60s"],
        &[],
    );
    let first = finish(first);
    assert_eq!(first.code, 0, "{}", first.transcript());
    let second = finish(waiting);
    assert_eq!(second.code, 0, "{}", second.transcript());
    assert!(
        second.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "the second apply planned after the first finished:\n{}",
        second.stdout
    );
    converged(&cloud, dir.path(), &db);
}

#[test]
fn a_holder_killed_with_kill_9_releases_its_lock_and_the_next_apply_adopts_its_work() {
    let db = PgCluster::shared().database();
    let cloud = slow_cloud();
    let dir = pg_project(&cloud, EVERY_TYPE);
    let mut holder = spawn(dir.path(), &db, &["apply", "-auto-approve"], &[]);
    wait_until(
        "the apply saved a created resource",
        Duration::from_secs(30),
        || rows(&db, "resources") >= 1,
    );
    holder.kill().expect("kill -9");
    let _ = holder.wait();
    assert_eq!(rows(&db, "locks"), 1, "its lock info is left behind");
    let next = sfp(
        dir.path(),
        &db,
        &["apply", "-auto-approve", "-lock-timeout=10s"],
    );
    assert_eq!(
        next.code,
        0,
        "the lock went with the connection:\n{}",
        next.transcript()
    );
    converged(&cloud, dir.path(), &db);
}

#[test]
fn a_connection_dropped_mid_apply_is_opened_again_and_nothing_is_lost() {
    let db = PgCluster::shared().database();
    let cloud = slow_cloud();
    let dir = pg_project(&cloud, EVERY_TYPE);
    let apply = spawn(dir.path(), &db, &["apply", "-auto-approve"], &[]);
    wait_until(
        "the apply saved a created resource",
        Duration::from_secs(30),
        || rows(&db, "resources") >= 1,
    );
    // Every session of the apply ends, its lock's included.
    db.terminate_sessions();
    let run = finish(apply);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!dir.path().join("snapform.errored.tfstate").exists());
    converged(&cloud, dir.path(), &db);
}

#[test]
fn a_database_that_stays_away_leaves_every_step_in_errored_tfstate_for_state_push() {
    use std::os::unix::fs::PermissionsExt;
    let db = PgCluster::shared().database();
    let cloud = slow_cloud();
    let dir = pg_project(&cloud, EVERY_TYPE);
    let retry = [("SNAPFORM_PG_RETRY_TIMEOUT", "1s".to_owned())];
    let apply = spawn(dir.path(), &db, &["apply", "-auto-approve"], &retry);
    wait_until(
        "the apply saved a created resource",
        Duration::from_secs(30),
        || rows(&db, "resources") >= 1,
    );
    db.go_away();
    let run = finish(apply);
    db.come_back();
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains("cannot reach the state database")
            && run
                .stdout
                .contains("snapform state push snapform.errored.tfstate"),
        "{}",
        run.transcript()
    );
    let errored_path = dir.path().join("snapform.errored.tfstate");
    let mode = std::fs::metadata(&errored_path)
        .expect("written")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let errored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&errored_path).expect("read"))
            .expect("a state file");
    // Nothing the cloud holds is missing from it: everything created is recorded.
    let recorded = ids(&errored);
    for id in cloud_ids(&cloud) {
        assert!(recorded.contains(&id), "{id} is not in the errored state");
    }
    let push = sfp(
        dir.path(),
        &db,
        &["state", "push", "snapform.errored.tfstate"],
    );
    assert_eq!(push.code, 0, "{}", push.transcript());
    assert_eq!(ids(&pulled(dir.path(), &db)), recorded);
    apply_ok(dir.path(), &db);
    converged(&cloud, dir.path(), &db);
}

#[test]
fn a_step_whose_serial_does_not_follow_the_stored_one_is_refused_even_with_lock_false() {
    let db = PgCluster::shared().database();
    let cloud = slow_cloud();
    let dir = pg_project(&cloud, EVERY_TYPE);
    let apply = spawn(
        dir.path(),
        &db,
        &["apply", "-auto-approve", "-lock=false"],
        &[],
    );
    wait_until(
        "the apply saved a created resource",
        Duration::from_secs(30),
        || rows(&db, "resources") >= 1,
    );
    // Another writer moves the stored state on.
    db.execute(&format!("UPDATE {SCHEMA}.states SET serial = serial + 100"));
    let run = finish(apply);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains("another process wrote it meanwhile"),
        "{}",
        run.transcript()
    );
    let errored: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("snapform.errored.tfstate")).expect("written"),
    )
    .expect("a state file");
    let recorded = ids(&errored);
    for id in cloud_ids(&cloud) {
        assert!(recorded.contains(&id), "{id} is not in the errored state");
    }
}

#[test]
fn force_unlock_ends_the_session_of_a_holder_that_hangs() {
    use snapform_state::Backend;
    let db = PgCluster::shared().database();
    let cloud = Cloud::start();
    let dir = pg_project(&cloud, EVERY_TYPE);
    let backend = snapform_state::PgBackend::connect(
        &snapform_state::PgSettings {
            conn_str: snapform_core::Secret::new(conn_str(&db)),
            schema_name: SCHEMA.to_owned(),
            retry_for: Duration::ZERO,
            ca_file: None,
        },
        "default",
    )
    .expect("connects");
    let info = snapform_state::LockInfo {
        id: "hung-lock".to_owned(),
        operation: "apply".to_owned(),
        who: "runner@ci".to_owned(),
        version: "0".to_owned(),
        created: "2026-11-22T03:00:00Z".to_owned(),
        path: String::new(),
        pid: 77,
    };
    let guard = backend.lock(info, Duration::ZERO).expect("locked");
    let plan = sfp(dir.path(), &db, &["plan"]);
    assert_eq!(plan.code, 1);
    assert!(
        plan.stderr.contains("runner@ci running `apply`")
            && plan.stderr.contains("snapform force-unlock hung-lock"),
        "{}",
        plan.stderr
    );
    let wrong = sfp(dir.path(), &db, &["force-unlock", "other"]);
    assert_eq!(wrong.code, 1, "{}", wrong.transcript());
    let forced = sfp(dir.path(), &db, &["force-unlock", "hung-lock"]);
    assert_eq!(forced.code, 0, "{}", forced.transcript());
    let plan = sfp(dir.path(), &db, &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    drop(guard);
}

#[test]
fn init_migrates_the_state_from_local_to_pg_and_back() {
    use std::os::unix::fs::PermissionsExt;
    let db = PgCluster::shared().database();
    let cloud = Cloud::start();
    let dir = project(&cloud, EVERY_TYPE);
    apply_ok(dir.path(), &db);
    let local = crate::cloud::state(dir.path());

    // The backend block now says pg: nothing runs until init has moved the state.
    std::fs::write(dir.path().join("backend.hcl"), backend_hcl()).expect("write");
    let plan = sfp(dir.path(), &db, &["plan"]);
    assert_eq!(plan.code, 1);
    assert!(
        plan.stderr.contains("init -migrate-state"),
        "{}",
        plan.stderr
    );
    let refused = sfp(dir.path(), &db, &["init"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("default: serial") && refused.stderr.contains("7 resource(s)"),
        "shows what it would copy:\n{}",
        refused.stderr
    );
    // The connection string comes from -backend-config this time, and is remembered.
    let without_env = [("SNAPFORM_PG_CONN_STR", String::new())];
    let backend_config = format!("-backend-config=conn_str={}", conn_str(&db));
    let cancelled = sfp_with(
        dir.path(),
        &db,
        &["init", "-migrate-state", &backend_config],
        "no\n",
        &without_env,
    );
    assert_eq!(cancelled.code, 1, "{}", cancelled.transcript());
    assert_eq!(rows(&db, "resources"), 0, "nothing copied without a yes");
    let init = sfp_with(
        dir.path(),
        &db,
        &["init", "-migrate-state", &backend_config],
        "yes\n",
        &without_env,
    );
    assert_eq!(init.code, 0, "{}", init.transcript());
    assert!(init.stdout.contains("default: copied"), "{}", init.stdout);
    assert_eq!(rows(&db, "resources"), 7);
    let remembered = dir.path().join(".snapform/backend.json");
    let mode = std::fs::metadata(&remembered)
        .expect("remembered")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "it holds the connection string");
    let list = sfp_with(dir.path(), &db, &["state", "list"], "", &without_env);
    assert_eq!(list.stdout.lines().count(), 7, "{}", list.transcript());
    let again = sfp_with(dir.path(), &db, &["init"], "", &without_env);
    assert_eq!(
        again.code,
        0,
        "init again keeps what it was given:\n{}",
        again.transcript()
    );
    let pg_state = pulled(dir.path(), &db);
    assert_eq!(pg_state["lineage"], local["lineage"]);
    assert_eq!(ids(&pg_state), ids(&local));
    converged(&cloud, dir.path(), &db);

    // A change while on pg, then back to the local file, which had the older copy.
    rewrite(
        dir.path(),
        &EVERY_TYPE.replace("snapshot_name = \"site\"", "snapshot_name = \"site-v2\""),
    );
    apply_ok(dir.path(), &db);
    let pg_serial = pulled(dir.path(), &db)["serial"].clone();
    std::fs::remove_file(dir.path().join("backend.hcl")).expect("remove");
    let changed = sfp(dir.path(), &db, &["plan"]);
    assert_eq!(changed.code, 1);
    assert!(
        changed.stderr.contains("changed since `snapform init`"),
        "{}",
        changed.stderr
    );
    let back = sfp(dir.path(), &db, &["init", "-migrate-state", "-force-copy"]);
    assert_eq!(back.code, 0, "{}", back.transcript());
    let local_again = crate::cloud::state(dir.path());
    assert_eq!(local_again["serial"], pg_serial);
    let names: Vec<&str> = local_again["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|record| record["attributes"]["snapshot_name"].as_str())
        .collect();
    assert!(
        names.contains(&"site-v2"),
        "the newer state came back: {names:?}"
    );
    converged(&cloud, dir.path(), &db);
}

const PER_WORKSPACE: &str = r#"
resource "tencentcloud_lighthouse_snapshot" "site" {
  instance_id   = "lhins-qs100001"
  snapshot_name = "site-${snapform.workspace}"
}
"#;

#[test]
fn workspaces_keep_separate_states_in_pg_and_in_local_files() {
    let db = PgCluster::shared().database();
    let cloud = Cloud::start();
    for backend in ["pg", "local"] {
        let dir = if backend == "pg" {
            pg_project(&cloud, PER_WORKSPACE)
        } else {
            project(&cloud, PER_WORKSPACE)
        };
        let dir = dir.path();
        apply_ok(dir, &db);
        let new = sfp(dir, &db, &["workspace", "new", "staging"]);
        assert_eq!(new.code, 0, "{}", new.transcript());
        let plan = sfp(dir, &db, &["plan"]);
        assert!(
            plan.stdout.contains("Plan: 1 to add") && plan.stdout.contains("\"site-staging\""),
            "{backend}: an empty state, and snapform.workspace in names:\n{}",
            plan.transcript()
        );
        apply_ok(dir, &db);
        let list = sfp(dir, &db, &["workspace", "list"]);
        assert_eq!(list.stdout, "  default\n* staging\n", "{backend}");
        assert_eq!(sfp(dir, &db, &["workspace", "show"]).stdout, "staging\n");
        // SNAPFORM_WORKSPACE overrides the selection.
        let default = sfp_with(
            dir,
            &db,
            &["plan", "-detailed-exitcode"],
            "",
            &[("SNAPFORM_WORKSPACE", "default".to_owned())],
        );
        assert_eq!(default.code, 0, "{backend}: {}", default.transcript());
        let missing = sfp_with(
            dir,
            &db,
            &["plan"],
            "",
            &[("SNAPFORM_WORKSPACE", "nope".to_owned())],
        );
        assert_eq!(missing.code, 1);
        assert!(
            missing.stderr.contains("workspace new nope"),
            "{}",
            missing.stderr
        );
        assert_eq!(sfp(dir, &db, &["workspace", "select", "nope"]).code, 1);
        if backend == "local" {
            assert!(
                dir.join("snapform.tfstate.d/staging/snapform.tfstate")
                    .exists()
            );
        }
        // A workspace that records resources is not deleted by mistake.
        assert_eq!(sfp(dir, &db, &["workspace", "select", "default"]).code, 0);
        let refused = sfp(dir, &db, &["workspace", "delete", "staging"]);
        assert_eq!(refused.code, 1);
        assert!(refused.stderr.contains("-force"), "{}", refused.stderr);
        assert_eq!(sfp(dir, &db, &["workspace", "select", "staging"]).code, 0);
        assert_eq!(sfp(dir, &db, &["destroy", "-auto-approve"]).code, 0);
        assert_eq!(sfp(dir, &db, &["workspace", "select", "default"]).code, 0);
        let deleted = sfp(dir, &db, &["workspace", "delete", "staging"]);
        assert_eq!(deleted.code, 0, "{}", deleted.transcript());
        assert_eq!(sfp(dir, &db, &["workspace", "list"]).stdout, "* default\n");
        assert_eq!(sfp(dir, &db, &["destroy", "-auto-approve"]).code, 0);
        assert!(cloud.resources().is_empty(), "{backend}");
    }
}
