//! The apply engine against a scriptable fake cloud: intents before creates, lookups before
//! retries, failures that stop only their dependants, Ctrl-C, the parallelism bound, and
//! replaced objects kept until they are deleted.

mod fake;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake::{Create, FakeCloud};
use snapform_apply::{ApplyOptions, ApplyReport, Event, Hook, Providers, Scheduling, Stop, apply};
use snapform_config::{LoadOptions, SourceFile, load_sources};
use snapform_core::{ProviderAddr, SourceMap};
use snapform_planner::{Plan, PlanInputs, PlanMode, plan};
use snapform_state::{Backend, LocalBackend, State};

/// The plan of `hcl` from `state`.
fn plan_of(hcl: &str, state: &State) -> Plan {
    let mut sources = SourceMap::new();
    let loaded = load_sources(
        vec![SourceFile {
            name: "main.hcl".to_owned(),
            text: hcl.to_owned(),
        }],
        Vec::new(),
        &LoadOptions::default(),
        &mut sources,
    );
    assert!(
        !snapform_core::diagnostic::has_errors(&loaded.diagnostics),
        "{:?}",
        loaded.diagnostics
    );
    let regions = BTreeMap::from([(
        ProviderAddr::default_for("tencentcloud"),
        "ap-guangzhou".to_owned(),
    )]);
    let (plan, diagnostics) = plan(PlanInputs {
        config: &loaded.config,
        prior_state: std::borrow::Cow::Borrowed(state),
        state_exists: true,
        refresh: None,
        imports: &Default::default(),
        mode: PlanMode::Normal,
        targets: &[],
        replace: &[],
        regions: &regions,
        config_hash: String::new(),
        now: "2026-12-05T03:00:00Z".parse().expect("a time"),
    });
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    plan
}

/// `n` backups, one per disk, `nightly-0` to `nightly-{n-1}`.
fn backups(n: usize) -> String {
    format!(
        r#"
resource "tencentcloud_cbs_disk_backup" "b" {{
  count            = {n}
  disk_id          = format("disk-%08d", count.index)
  disk_backup_name = "nightly-${{count.index}}"
}}
"#
    )
}

/// The events of a run.
#[derive(Default)]
struct Events(Mutex<Vec<Event>>);

impl Hook for Events {
    fn event(&self, event: Event) {
        self.0.lock().expect("lock").push(event);
    }
}

fn options() -> ApplyOptions {
    ApplyOptions {
        poll_interval: Duration::from_millis(10),
        grace: Duration::from_secs(5),
        ..ApplyOptions::default()
    }
}

fn providers(cloud: &FakeCloud) -> Providers {
    Providers::from([(ProviderAddr::default_for("tencentcloud"), cloud.provider())])
}

/// Applies `plan` to `cloud`, saving to `dir/snapform.tfstate`.
async fn run(
    plan: Plan,
    cloud: &FakeCloud,
    dir: &Path,
    options: ApplyOptions,
    stop: tokio::sync::watch::Receiver<Stop>,
) -> ApplyReport {
    let backend = Box::new(LocalBackend::new(dir.join("snapform.tfstate")));
    let serial = backend
        .read()
        .expect("readable")
        .map_or(0, |state| state.serial);
    let mut report = apply(
        Arc::new(plan),
        providers(cloud),
        Arc::new(options),
        Arc::new(Events::default()),
        backend,
        serial,
        stop,
    )
    .await
    .expect("the state saves");
    report.backend.fold().expect("the journal folds");
    report
}

fn no_stop() -> tokio::sync::watch::Receiver<Stop> {
    let (sender, stop) = tokio::sync::watch::channel(Stop::Run);
    // Nobody presses Ctrl-C: keep the sender alive for the test's whole life.
    std::mem::forget(sender);
    stop
}

fn saved(dir: &Path) -> State {
    LocalBackend::new(dir.join("snapform.tfstate"))
        .read()
        .expect("readable")
        .expect("a state")
}

#[tokio::test]
async fn every_create_is_preceded_by_its_saved_intent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::new();
    let state_file = dir.path().join("snapform.tfstate");
    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    {
        let seen = seen.clone();
        cloud.on_create(move |arguments| {
            let name = arguments["disk_backup_name"].to_string();
            let state = LocalBackend::new(&state_file)
                .read()
                .expect("readable")
                .expect("saved before the first create");
            let recorded = state.pending.iter().any(|intent| {
                intent.arguments.get("disk_backup_name") == arguments.get("disk_backup_name")
                    && !intent.id.is_empty()
            });
            seen.lock().expect("lock").push((name, recorded));
        });
    }
    let report = run(
        plan_of(&backups(5), &State::new()),
        &cloud,
        dir.path(),
        options(),
        no_stop(),
    )
    .await;
    assert!(report.failures.is_empty(), "{report:?}");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|(_, recorded)| *recorded), "{seen:?}");
    let state = saved(dir.path());
    assert_eq!(state.resources.len(), 5);
    assert!(
        state.pending.is_empty(),
        "intents go once the IDs are recorded"
    );
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_looked_up_before_any_retry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::new();
    cloud.script_creates([Create::LoseAnswer]);
    let report = run(
        plan_of(&backups(1), &State::new()),
        &cloud,
        dir.path(),
        options(),
        no_stop(),
    )
    .await;
    assert!(report.failures.is_empty(), "{report:?}");
    let log = cloud.log();
    let creates = log.iter().filter(|line| line.starts_with("create")).count();
    assert_eq!(creates, 1, "never created twice: {log:?}");
    let lookup = log
        .iter()
        .position(|line| line.starts_with("lookup"))
        .expect("a lookup");
    let create = log
        .iter()
        .position(|line| line.starts_with("create"))
        .expect("a create");
    assert!(create < lookup, "{log:?}");
    assert_eq!(cloud.objects().len(), 1);
    let state = saved(dir.path());
    let id = &state.resources.iter().next().expect("recorded").id;
    assert!(
        cloud.objects().contains_key(id),
        "the object made is the one recorded"
    );
}

#[tokio::test]
async fn a_failure_skips_only_what_depends_on_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::new();
    cloud.script_creates([Create::Refuse]);
    let hcl = r#"
resource "tencentcloud_cbs_disk_backup" "first" {
  disk_id          = "disk-00000001"
  disk_backup_name = "first"
}

resource "tencentcloud_cbs_disk_backup" "after_first" {
  disk_id          = "disk-00000002"
  disk_backup_name = "after-first"
  depends_on       = [tencentcloud_cbs_disk_backup.first]
}

resource "tencentcloud_cbs_disk_backup" "apart" {
  disk_id          = "disk-00000003"
  disk_backup_name = "apart"
  depends_on       = [tencentcloud_cbs_disk_backup.first]
}

resource "tencentcloud_cbs_disk_backup" "independent" {
  disk_id          = "disk-00000004"
  disk_backup_name = "independent"
}
"#;
    let plan = plan_of(hcl, &State::new());
    let report = run(
        plan,
        &cloud,
        dir.path(),
        ApplyOptions {
            parallelism: 1,
            scheduling: Scheduling::TerraformWay,
            ..options()
        },
        no_stop(),
    )
    .await;
    let failed: Vec<String> = report
        .failures
        .iter()
        .map(|(addr, _)| addr.to_string())
        .collect();
    let skipped: Vec<String> = report.skipped.iter().map(ToString::to_string).collect();
    // Whichever create was refused, only its dependants were skipped.
    assert_eq!(failed.len(), 1, "{report:?}");
    if failed[0] == "tencentcloud_cbs_disk_backup.first" {
        assert_eq!(
            skipped,
            [
                "tencentcloud_cbs_disk_backup.after_first",
                "tencentcloud_cbs_disk_backup.apart"
            ]
        );
        assert_eq!(report.counts.add, 1, "the independent one was made");
    } else {
        assert_eq!(failed[0], "tencentcloud_cbs_disk_backup.independent");
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(report.counts.add, 3);
    }
    assert!(!report.interrupted);
}

#[tokio::test]
async fn a_graceful_stop_starts_nothing_new_and_records_what_was_made() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Never ready within the test: the first steps wait until the stop.
    let cloud = FakeCloud::with(usize::MAX, Duration::ZERO);
    let (sender, stop) = tokio::sync::watch::channel(Stop::Run);
    let plan = plan_of(&backups(6), &State::new());
    let opts = ApplyOptions {
        parallelism: 2,
        scheduling: Scheduling::TerraformWay,
        ..options()
    };
    let cloud_handle = cloud.clone();
    let press = tokio::spawn(async move {
        while cloud_handle.objects().len() < 2 {
            tokio::task::yield_now().await;
        }
        sender.send(Stop::Graceful).expect("the apply listens");
        sender
    });
    let report = run(plan, &cloud, dir.path(), opts, stop).await;
    let _sender = press.await.expect("pressed");
    assert!(report.interrupted, "{report:?}");
    assert_eq!(
        cloud.objects().len(),
        2,
        "nothing new started: {:?}",
        cloud.log()
    );
    let state = saved(dir.path());
    assert_eq!(
        state.resources.len(),
        2,
        "both creates recorded, still creating"
    );
    assert!(state.pending.is_empty());
}

#[tokio::test]
async fn an_immediate_stop_leaves_the_intent_of_a_create_in_flight() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::new();
    cloud.script_creates([Create::Hang]);
    let (sender, stop) = tokio::sync::watch::channel(Stop::Run);
    let cloud_handle = cloud.clone();
    let press = tokio::spawn(async move {
        while !cloud_handle
            .log()
            .iter()
            .any(|line| line.ends_with("(hangs)"))
        {
            tokio::task::yield_now().await;
        }
        sender.send(Stop::Now).expect("the apply listens");
        sender
    });
    let report = tokio::time::timeout(
        Duration::from_secs(10),
        run(
            plan_of(&backups(1), &State::new()),
            &cloud,
            dir.path(),
            options(),
            stop,
        ),
    )
    .await
    .expect("Stop::Now leaves at once");
    let _sender = press.await.expect("pressed");
    assert!(report.interrupted);
    let state = saved(dir.path());
    assert_eq!(
        state.pending.len(),
        1,
        "the next run looks for what the create made"
    );
    assert!(state.resources.is_empty());
}

#[tokio::test]
async fn terraforms_way_never_runs_more_steps_than_the_parallelism() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::with(2, Duration::from_millis(5));
    let opts = ApplyOptions {
        parallelism: 3,
        scheduling: Scheduling::TerraformWay,
        ..options()
    };
    let report = run(
        plan_of(&backups(20), &State::new()),
        &cloud,
        dir.path(),
        opts,
        no_stop(),
    )
    .await;
    assert!(report.failures.is_empty(), "{report:?}");
    assert_eq!(report.counts.add, 20);
    assert!(
        cloud.most_in_flight() <= 3,
        "{} calls at once",
        cloud.most_in_flight()
    );
    assert!(cloud.most_in_flight() >= 2, "steps did run side by side");
}

/// Issue 13: a step waiting until its resource is ready holds no slot, so with
/// `-parallelism=2` all six creates go out while the first ones are still not ready (before,
/// every waiting step held a slot, and an apply of 10,000 snapshots ran ten polls at a time).
#[tokio::test]
async fn refresh_keeps_only_what_differs_from_the_records_and_counts_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::new();
    let made = run(
        plan_of(&backups(4), &State::new()),
        &cloud,
        dir.path(),
        options(),
        no_stop(),
    )
    .await;
    assert!(made.failures.is_empty(), "{made:?}");
    let state = saved(dir.path());
    let records: Vec<_> = state.resources.iter().collect();
    cloud.tamper(&records[1].id, |arguments| {
        arguments.insert(
            "disk_backup_name".to_owned(),
            snapform_core::Value::string("renamed"),
        );
        Some(())
    });
    cloud.tamper(&records[2].id, |_| None);
    let read = snapform_apply::refresh(&state, &providers(&cloud), None)
        .await
        .expect("reads");
    assert_eq!(read.as_recorded, 2, "the untouched ones are only counted");
    assert_eq!(
        read.read.keys().collect::<Vec<_>>(),
        [&records[1].addr, &records[2].addr],
        "the renamed one and the deleted one are kept"
    );
    assert!(read.read[&records[2].addr].is_none(), "gone");
    // Planned from what it kept, the refresh finds the same drift as from every read.
    let refreshed = snapform_planner::refreshed_state(state.clone(), read);
    assert_eq!(refreshed.drift.len(), 2, "{:?}", refreshed.drift);
    assert_eq!(refreshed.state.resources.len(), 3);
    assert_eq!(
        refreshed.state.resources.get(&records[0].addr),
        Some(records[0]),
        "as recorded, as it was"
    );
}

#[tokio::test]
async fn a_replaced_object_is_kept_as_deposed_until_it_is_deleted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::new();
    let first = run(
        plan_of(&backups(1), &State::new()),
        &cloud,
        dir.path(),
        options(),
        no_stop(),
    )
    .await;
    assert!(first.failures.is_empty());
    let old_id = first
        .state
        .resources
        .iter()
        .next()
        .expect("made")
        .id
        .clone();
    // A new name replaces it (the new one first); the cloud refuses to delete the old one.
    cloud.refuse_deletes_of([old_id.clone()]);
    let renamed = backups(1).replace("nightly-", "weekly-");
    let second = run(
        plan_of(&renamed, &saved(dir.path())),
        &cloud,
        dir.path(),
        options(),
        no_stop(),
    )
    .await;
    assert_eq!(second.failures.len(), 1, "{second:?}");
    let state = saved(dir.path());
    assert_eq!(state.deposed.len(), 1, "the old object is remembered");
    assert_eq!(state.deposed[0].id, old_id);
    assert_ne!(state.resources.iter().next().expect("new").id, old_id);
    // Once the cloud lets it go, the next apply deletes it and forgets it.
    cloud.refuse_deletes_of([]);
    let third_plan = plan_of(&renamed, &state);
    assert!(third_plan.changes.iter().any(|change| change.deposed));
    let third = run(third_plan, &cloud, dir.path(), options(), no_stop()).await;
    assert!(third.failures.is_empty(), "{third:?}");
    assert!(saved(dir.path()).deposed.is_empty());
    assert!(!cloud.objects().contains_key(&old_id));
}

#[tokio::test]
async fn a_graceful_stop_reaches_steps_still_waiting_for_their_turn() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = FakeCloud::with(usize::MAX, Duration::from_millis(50));
    let (sender, stop) = tokio::sync::watch::channel(Stop::Run);
    let opts = ApplyOptions {
        parallelism: 2,
        ..options()
    };
    let cloud_handle = cloud.clone();
    let press = tokio::spawn(async move {
        while cloud_handle.objects().is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        sender.send(Stop::Graceful).expect("the apply listens");
        sender
    });
    let report = run(
        plan_of(&backups(20), &State::new()),
        &cloud,
        dir.path(),
        opts,
        stop,
    )
    .await;
    let _sender = press.await.expect("pressed");
    assert!(report.interrupted);
    let made = cloud.objects().len();
    assert!(made <= 4, "{made} creates after Ctrl-C: {:?}", cloud.log());
    let state = saved(dir.path());
    assert_eq!(
        state.resources.len() + state.pending.len(),
        made,
        "everything made is recorded"
    );
}

#[tokio::test]
async fn waiting_for_readiness_holds_no_turn_so_every_create_goes_out_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Ready only after 20 polls: a step that held its turn while waiting would let 3 creates
    // out per 20 polls.
    let cloud = FakeCloud::with(20, Duration::from_millis(5));
    let opts = ApplyOptions {
        parallelism: 3,
        ..options()
    };
    let report = run(
        plan_of(&backups(20), &State::new()),
        &cloud,
        dir.path(),
        opts,
        no_stop(),
    )
    .await;
    assert!(report.failures.is_empty(), "{report:?}");
    assert_eq!(report.counts.add, 20);
    let log = cloud.log();
    let last_create = log
        .iter()
        .rposition(|line| line.starts_with("create "))
        .expect("creates");
    let polls_before = log[..last_create]
        .iter()
        .filter(|line| line.starts_with("read "))
        .count();
    assert!(
        polls_before < 20,
        "every create was sent before the first was ready, not after {polls_before} polls:\n{log:#?}"
    );
    // The fake has no call slots: 3 creates in turn, and the poll shared by every waiting one.
    assert!(
        cloud.most_in_flight() <= 4,
        "yet at most 3 creates at once: {}",
        cloud.most_in_flight()
    );
}
