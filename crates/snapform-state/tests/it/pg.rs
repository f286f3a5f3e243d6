//! The `pg` backend on a real server: the round trip, one row per record, steps that write
//! only what they changed, serials, locks keyed per schema and workspace, force-unlock, lost
//! connections, workspaces and first use.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use snapform_core::{ProviderAddr, Value};
use snapform_state::{
    Backend, Error, Intent, LockInfo, Operation, PgBackend, PgSettings, RecordStatus,
    ResourceRecord, State, StateDelta, TrackedState,
};
use snapform_test_support::pg::{PgCluster, TestDatabase};

fn settings(db: &TestDatabase<'_>, schema: &str) -> PgSettings {
    PgSettings {
        conn_str: snapform_core::Secret::new(db.conn_str()),
        schema_name: schema.to_owned(),
        retry_for: Duration::from_secs(5),
        ca_file: None,
    }
}

fn open(db: &TestDatabase<'_>, schema: &str, workspace: &str) -> PgBackend {
    PgBackend::connect(&settings(db, schema), workspace).expect("connects")
}

fn record(idx: usize, version: u32) -> ResourceRecord {
    ResourceRecord {
        addr: format!("tencentcloud_cbs_disk_backup.b[{idx}]")
            .parse()
            .expect("address"),
        provider: ProviderAddr::default_for("tencentcloud"),
        region: "ap-guangzhou".to_owned(),
        id: format!("dbp-{idx:04}{version:04}"),
        attributes: BTreeMap::from([(
            "disk_backup_name".to_owned(),
            Value::string(format!("b{idx}-v{version}")),
        )]),
        dependencies: Vec::new(),
        status: RecordStatus::Ready,
        sensitive_attributes: Default::default(),
    }
}

fn intent(idx: usize) -> Intent {
    Intent {
        id: Intent::new_id(),
        addr: record(idx, 0).addr,
        provider: ProviderAddr::default_for("tencentcloud"),
        region: "ap-guangzhou".to_owned(),
        operation: Operation::Create,
        arguments: BTreeMap::from([("disk_id".to_owned(), Value::string("disk-1"))]),
        started_at: "2026-11-22T03:00:00Z".to_owned(),
        sensitive: Default::default(),
    }
}

fn info(id: &str) -> LockInfo {
    LockInfo {
        id: id.to_owned(),
        operation: "apply".to_owned(),
        who: "tester@ci".to_owned(),
        version: "0".to_owned(),
        created: "2026-11-22T03:00:00Z".to_owned(),
        path: String::new(),
        pid: 4242,
    }
}

fn count(db: &TestDatabase<'_>, sql: &str) -> u64 {
    db.scalar(sql).expect("a value").parse().expect("a number")
}

#[test]
fn a_state_round_trips_as_one_row_per_record_and_steps_write_only_what_changed() {
    let db = PgCluster::shared().database();
    let mut backend = open(&db, "snapform_remote_state", "default");
    assert_eq!(backend.read().expect("empty"), None);
    let mut state = State::new();
    state.serial = 1;
    for idx in 0..5 {
        state.upsert(record(idx, 0));
    }
    state.pending.insert(intent(7));
    state.depose(record(9, 1));
    state.outputs = BTreeMap::from([("first".to_owned(), Value::string("dbp-1"))]);
    state.sensitive_outputs = ["first".to_owned()].into();
    backend.write(&state).expect("whole write");
    assert_eq!(backend.read().expect("read"), Some(state.clone()));
    assert_eq!(
        count(&db, "SELECT count(*) FROM snapform_remote_state.resources"),
        5
    );
    assert_eq!(
        db.scalar("SELECT record->>'id' FROM snapform_remote_state.resources WHERE addr = 'tencentcloud_cbs_disk_backup.b[3]'"),
        Some("dbp-00030000".to_owned()),
        "each record is a JSON document a team can query"
    );

    // Steps through a TrackedState, as apply makes them.
    let mut tracked = TrackedState::new(state);
    tracked.upsert(record(2, 1));
    tracked.remove(&record(4, 0).addr);
    tracked.remove_intent(&intent(7).addr);
    tracked.add_intent(intent(8));
    tracked.remove_deposed(&record(9, 1).addr, &record(9, 1).id);
    tracked.depose(record(3, 5));
    let delta = tracked.take_delta(2);
    backend.save(&delta).expect("a step");
    tracked.set_serial(2);
    tracked.set_outputs(BTreeMap::new(), Default::default());
    let delta = tracked.take_delta(3);
    backend.save(&delta).expect("another step");
    tracked.set_serial(3);
    assert_eq!(backend.read().expect("read").as_ref(), Some(&*tracked));

    // A step touches only its rows: the others keep their physical place.
    let untouched = db.scalar(
        "SELECT ctid::text FROM snapform_remote_state.resources WHERE addr = 'tencentcloud_cbs_disk_backup.b[0]'",
    );
    tracked.upsert(record(1, 7));
    backend.save(&tracked.take_delta(4)).expect("step");
    tracked.set_serial(4);
    assert_eq!(
        db.scalar(
            "SELECT ctid::text FROM snapform_remote_state.resources WHERE addr = 'tencentcloud_cbs_disk_backup.b[0]'"
        ),
        untouched
    );
    assert_eq!(
        count(&db, "SELECT serial FROM snapform_remote_state.states"),
        4
    );
}

#[test]
fn a_save_that_does_not_follow_the_stored_serial_is_refused_even_without_the_lock() {
    let db = PgCluster::shared().database();
    let mut first = open(&db, "s", "default");
    let mut second = open(&db, "s", "default");
    let mut state = State::new();
    state.serial = 5;
    first.write(&state).expect("written");
    // Two runs without the lock both saw serial 5 and both save serial 6.
    let mut one = StateDelta::empty(state.lineage.clone(), 6);
    one.upserted.push(record(1, 0));
    let mut other = StateDelta::empty(state.lineage.clone(), 6);
    other.upserted.push(record(2, 0));
    first.save(&one).expect("first wins");
    let refused = second.save(&other).expect_err("second refused");
    assert!(
        matches!(
            refused,
            Error::Conflict {
                serial: 6,
                stored_serial: 6,
                ..
            }
        ),
        "{refused}"
    );
    // A gap, another lineage and a whole write that is not newer are refused too.
    let gap = StateDelta::empty(state.lineage.clone(), 8);
    assert!(matches!(second.save(&gap), Err(Error::Conflict { .. })));
    let foreign = StateDelta::empty("another lineage", 7);
    assert!(matches!(second.save(&foreign), Err(Error::Conflict { .. })));
    let mut stale = state.clone();
    stale.serial = 6;
    assert!(matches!(second.write(&stale), Err(Error::Conflict { .. })));
    let stored = first.read().expect("read").expect("stored");
    assert_eq!(stored.serial, 6);
    assert_eq!(stored.resources.len(), 1, "only the first save landed");
    assert!(stored.resource(&record(1, 0).addr).is_some());
}

#[test]
fn the_lock_is_keyed_per_schema_and_workspace_names_its_holder_and_waits() {
    let db = PgCluster::shared().database();
    let holder = open(&db, "s", "default");
    let guard = holder.lock(info("lock-1"), Duration::ZERO).expect("locked");
    let other = open(&db, "s", "default");
    let started = Instant::now();
    let refused = other
        .lock(info("lock-2"), Duration::ZERO)
        .expect_err("held");
    assert!(started.elapsed() < Duration::from_secs(3), "fails fast");
    let Error::Locked { holder: who } = &refused else {
        panic!("{refused}");
    };
    assert_eq!(who.id, "lock-1");
    assert_eq!(who.who, "tester@ci");
    assert_eq!(who.operation, "apply");
    assert!(
        refused.to_string().contains("tester@ci running `apply`"),
        "{refused}"
    );
    // Another workspace, or another schema of the same database, has a lock of its own.
    let staging = open(&db, "s", "staging");
    drop(
        staging
            .lock(info("lock-3"), Duration::ZERO)
            .expect("another workspace"),
    );
    let team_b = open(&db, "team_b", "default");
    drop(
        team_b
            .lock(info("lock-4"), Duration::ZERO)
            .expect("another schema"),
    );
    // -lock-timeout waits for the holder to finish.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        drop(guard);
    });
    let started = Instant::now();
    let waited = other
        .lock(info("lock-5"), Duration::from_secs(10))
        .expect("taken once released");
    assert!(started.elapsed() >= Duration::from_millis(300));
    releaser.join().expect("joined");
    assert_eq!(
        db.scalar("SELECT id FROM s.locks WHERE workspace = 'default'"),
        Some("lock-5".to_owned())
    );
    drop(waited);
    assert_eq!(
        db.scalar("SELECT count(*) FROM s.locks"),
        Some("0".to_owned())
    );
}

#[test]
fn a_holder_whose_connection_dies_releases_the_lock_and_force_unlock_clears_what_is_left() {
    let db = PgCluster::shared().database();
    let holder = open(&db, "s", "default");
    let guard = holder.lock(info("dead-1"), Duration::ZERO).expect("locked");
    // The holder's sessions end, as when its process is killed.
    db.terminate_sessions();
    let other = open(&db, "s", "default");
    let taken = other
        .lock(info("next"), Duration::from_secs(5))
        .expect("the lock went with the connection");
    drop(taken);
    std::mem::forget(guard);

    // A stale lock info row is removed by force-unlock with its ID.
    db.execute(
        "INSERT INTO s.locks VALUES ('default', 'stale-1', 'apply', 'gone@ci', '0', 'then', 1, 0)",
    );
    assert!(matches!(
        other.force_unlock("wrong"),
        Err(Error::LockIdMismatch { .. })
    ));
    other.force_unlock("stale-1").expect("stale lock cleared");
    assert!(matches!(
        other.force_unlock("stale-1"),
        Err(Error::NotLocked)
    ));

    // A holder whose session is still open (a machine that vanished) is ended.
    let hung = open(&db, "s", "default");
    let hung_guard = hung.lock(info("hung-1"), Duration::ZERO).expect("locked");
    other.force_unlock("hung-1").expect("forced");
    let after = open(&db, "s", "default");
    drop(after.lock(info("after"), Duration::ZERO).expect("free now"));
    drop(hung_guard);
}

#[test]
fn a_lost_connection_is_reconnected_and_the_lock_taken_again_before_the_step_is_saved() {
    let db = PgCluster::shared().database();
    let mut backend = open(&db, "s", "default");
    let guard = backend.lock(info("run-1"), Duration::ZERO).expect("locked");
    let mut state = State::new();
    state.serial = 1;
    backend.write(&state).expect("written");
    db.terminate_sessions();
    let mut delta = StateDelta::empty(state.lineage.clone(), 2);
    delta.upserted.push(record(1, 0));
    backend.save(&delta).expect("saved on a new connection");
    assert_eq!(backend.read().expect("read").expect("stored").serial, 2);
    let other = open(&db, "s", "default");
    assert!(
        matches!(
            other.lock(info("x"), Duration::ZERO),
            Err(Error::Locked { .. })
        ),
        "the lock was taken again"
    );
    drop(guard);
}

#[test]
fn a_database_that_stays_away_fails_the_save_after_the_retry_window_and_the_step_is_kept() {
    let db = PgCluster::shared().database();
    let mut backend = PgBackend::connect(
        &PgSettings {
            retry_for: Duration::from_millis(800),
            ..settings(&db, "s")
        },
        "default",
    )
    .expect("connects");
    let mut state = State::new();
    state.serial = 1;
    backend.write(&state).expect("written");
    db.go_away();
    let mut delta = StateDelta::empty(state.lineage.clone(), 2);
    delta.upserted.push(record(1, 0));
    let started = Instant::now();
    let error = backend.save(&delta).expect_err("the database is away");
    assert!(matches!(error, Error::Unreachable { .. }), "{error}");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "retried for a while: {:?}",
        started.elapsed()
    );
    db.come_back();
    backend.save(&delta).expect("saved once it is back");
    assert_eq!(backend.read().expect("read").expect("stored").serial, 2);
}

#[test]
fn workspaces_hold_separate_states_and_can_be_deleted() {
    let db = PgCluster::shared().database();
    let mut default = open(&db, "s", "default");
    let mut staging = open(&db, "s", "staging");
    let mut one = State::new();
    one.serial = 1;
    one.upsert(record(1, 0));
    default.write(&one).expect("default");
    let mut two = State::new();
    two.serial = 1;
    two.upsert(record(2, 0));
    staging.write(&two).expect("staging");
    assert_eq!(default.read().expect("read"), Some(one));
    assert_eq!(staging.read().expect("read"), Some(two));
    assert_eq!(default.workspaces().expect("list"), ["default", "staging"]);
    assert!(default.delete_workspace().is_err(), "default stays");
    staging.delete_workspace().expect("deleted");
    assert_eq!(default.workspaces().expect("list"), ["default"]);
    assert_eq!(staging.read().expect("read"), None);
    assert!(PgBackend::connect(&settings(&db, "s"), "../etc").is_err());
}

#[test]
fn first_use_creates_the_tables_once_and_a_newer_layout_is_refused() {
    let db = PgCluster::shared().database();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let settings = settings(&db, "fresh");
            std::thread::spawn(move || PgBackend::connect(&settings, "default").map(|_| ()))
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .expect("joined")
            .expect("each first run connects");
    }
    assert_eq!(
        db.scalar("SELECT count(*) FROM fresh.layout"),
        Some("1".to_owned())
    );
    db.execute("UPDATE fresh.layout SET version = 99");
    let error = PgBackend::connect(&settings(&db, "fresh"), "default").expect_err("newer");
    assert!(error.to_string().contains("has version 99"), "{error}");
    assert!(PgBackend::connect(&settings(&db, "bad-name"), "default").is_err());
}

#[test]
fn the_connection_string_never_reaches_an_error() {
    let port = PgCluster::shared().port();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    for conn_str in [
        format!("host=127.0.0.1 port={closed} user=ci password=hunter2-secret dbname=x"),
        format!("postgres://ci:hunter2-secret@127.0.0.1:{closed}/x"),
        format!("host=127.0.0.1 port={port} user=ci password=hunter2-secret dbname=nonexistent"),
        "host=127.0.0.1 user=ci password=hunter2-secret bogus=1".to_owned(),
        "password=hunter2-secret".to_owned(),
    ] {
        let error = PgBackend::connect(
            &PgSettings {
                conn_str: snapform_core::Secret::new(conn_str.clone()),
                schema_name: "s".to_owned(),
                retry_for: Duration::ZERO,
                ca_file: None,
            },
            "default",
        )
        .expect_err("cannot connect");
        let mut text = format!("{error} {error:?}");
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            text.push_str(&format!(" {cause} {cause:?}"));
            source = cause.source();
        }
        assert!(!text.contains("hunter2"), "{conn_str}: {text}");
    }
}

#[test]
fn tls_checks_the_server_certificate_against_the_ca_file() {
    let cluster = PgCluster::shared();
    let db = cluster.database();
    let with_tls = |ca_file: Option<std::path::PathBuf>| {
        PgBackend::connect(
            &PgSettings {
                conn_str: snapform_core::Secret::new(format!(
                    "{} sslmode=require application_name=tls_test",
                    db.conn_str()
                )),
                ca_file,
                ..settings(&db, "s")
            },
            "default",
        )
    };
    // The server's certificate comes from a CA the system does not trust.
    let refused = with_tls(None).expect_err("an unknown CA");
    let mut text = refused.to_string();
    let mut source = std::error::Error::source(&refused);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert!(text.contains("certificate"), "{text}");
    let backend = with_tls(Some(cluster.ca_file())).expect("trusted through ca_file");
    assert_eq!(backend.read().expect("read"), None);
    assert_eq!(
        db.scalar(&format!(
            "SELECT bool_and(s.ssl)::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = '{}' AND a.application_name = 'tls_test'",
            db.name()
        )),
        Some("true".to_owned()),
        "the connection is encrypted"
    );
    // Without sslmode, a server on loopback is reached in plain text.
    let plain = open(&db, "s", "default");
    assert_eq!(plain.read().expect("read"), None);
    assert_eq!(
        db.scalar(&format!(
            "SELECT bool_or(s.ssl)::text FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = '{}' AND a.application_name = 'snapform'",
            db.name()
        )),
        Some("false".to_owned())
    );
    let missing = with_tls(Some("/nonexistent/ca.pem".into())).expect_err("no such file");
    assert!(missing.to_string().contains("ca_file"), "{missing}");
}
