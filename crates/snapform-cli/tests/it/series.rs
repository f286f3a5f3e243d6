//! Snapshot series through the binary and the emulator: a month of nightly applies with the
//! clock moved by `-now`, daylight saving, and a kill in the middle of a rotation.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::Timestamp;

use crate::cloud::{Cloud, project, sf, state};

const KEEP: usize = 3;

fn config(zone: &str, schedule: &str) -> String {
    format!(
        r#"
variable "disks" {{
  default = {{
    web = "disk-qs100001"
    db  = "disk-qs100003"
  }}
}}

resource "tencentcloud_cbs_disk_backup" "nightly" {{
  for_each         = var.disks
  disk_id          = each.value
  disk_backup_name = "nightly-${{each.key}}-${{formatdate("YYYYMMDDhhmm", rotation.time)}}"

  rotation {{
    schedule  = "{schedule}"
    time_zone = "{zone}"
    keep      = {KEEP}
    max_age   = "5d"
  }}
}}
"#
    )
}

/// The generations the state records for `key`, as ticks.
fn recorded(dir: &Path, key: &str) -> BTreeSet<Timestamp> {
    let prefix = format!("tencentcloud_cbs_disk_backup.nightly[\"{key}\"]@");
    state(dir)["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|record| record["addr"].as_str()?.strip_prefix(&prefix)?.parse().ok())
        .collect()
}

/// The backups the cloud has for `disk`, by name.
fn in_cloud(cloud: &Cloud, disk: &str) -> BTreeSet<String> {
    cloud
        .resources()
        .iter()
        .filter(|resource| resource["parents"].to_string().contains(disk))
        .filter_map(|resource| resource["name"].as_str().map(str::to_owned))
        .collect()
}

fn name(key: &str, tick: Timestamp, zone: &str) -> String {
    let local = tick.to_zoned(jiff::tz::TimeZone::get(zone).expect("a zone"));
    format!("nightly-{key}-{}", local.strftime("%Y%m%d%H%M"))
}

/// What the rules say the series holds after a run at `now`, from what it held before and
/// the tick the run is at: the due generation is added, then those beyond keep or older than
/// five days go, never the newest.
fn expected_after(
    before: &BTreeSet<Timestamp>,
    latest: Timestamp,
    now: Timestamp,
) -> BTreeSet<Timestamp> {
    let mut ticks: Vec<Timestamp> = before.iter().copied().collect();
    if !ticks.contains(&latest) {
        ticks.push(latest);
    }
    ticks.sort_by_key(|tick| std::cmp::Reverse(*tick));
    let max_age = jiff::SignedDuration::from_hours(5 * 24);
    ticks
        .iter()
        .enumerate()
        .filter(|(position, tick)| {
            *position == 0 || (*position < KEEP && now.duration_since(**tick) <= max_age)
        })
        .map(|(_, tick)| *tick)
        .collect()
}

/// Applies at `now`, checks the plan again shows no changes, and returns the ticks recorded.
fn run_at(dir: &Path, now: &str) {
    let apply = sf(dir, &["apply", "-auto-approve", &format!("-now={now}")]);
    assert_eq!(apply.code, 0, "apply at {now}:\n{}", apply.transcript());
    let again = sf(dir, &["plan", "-detailed-exitcode", &format!("-now={now}")]);
    assert_eq!(
        again.code,
        0,
        "a second plan at {now} changes nothing:\n{}",
        again.transcript()
    );
}

/// The latest 02:00 in Shanghai at or before `now`, computed apart from snapform.
fn shanghai_tick(now: Timestamp) -> Timestamp {
    let zone = jiff::tz::TimeZone::get("Asia/Shanghai").expect("a zone");
    let local = now.to_zoned(zone.clone());
    let today = local
        .date()
        .at(2, 0, 0, 0)
        .to_zoned(zone)
        .expect("02:00 exists in Shanghai");
    if today.timestamp() <= now {
        today.timestamp()
    } else {
        today
            .checked_sub(jiff::Span::new().days(1))
            .expect("the day before")
            .timestamp()
    }
}

#[test]
fn a_month_of_nightly_backups_keeps_what_the_rules_say() {
    let cloud = Cloud::start();
    let dir = project(&cloud, &config("Asia/Shanghai", "0 2 * * *"));
    let dir = dir.path();
    let mut expected: BTreeSet<Timestamp> = BTreeSet::new();
    let mut runs: Vec<String> = Vec::new();
    for day in 1..=30 {
        if day == 10 {
            continue; // a skipped night
        }
        runs.push(format!("2026-12-{day:02}T03:00:00+08:00"));
        if day == 12 {
            runs.push("2026-12-12T09:30:00+08:00".to_owned()); // a second run the same day
        }
        if day == 20 {
            // One minute before the tick of the 21st, then one minute after.
            runs.push("2026-12-21T01:59:00+08:00".to_owned());
            runs.push("2026-12-21T02:01:00+08:00".to_owned());
        }
    }
    for (index, now) in runs.iter().enumerate() {
        let instant: Timestamp = now.parse().expect("a time");
        run_at(dir, now);
        expected = expected_after(&expected, shanghai_tick(instant), instant);
        for (key, disk) in [("web", "disk-qs100001"), ("db", "disk-qs100003")] {
            assert_eq!(recorded(dir, key), expected, "{key} after the run at {now}");
            let names: BTreeSet<String> = expected
                .iter()
                .map(|tick| name(key, *tick, "Asia/Shanghai"))
                .collect();
            assert_eq!(
                in_cloud(&cloud, disk),
                names,
                "{key}'s backups in the cloud at {now}"
            );
            if index >= KEEP {
                assert!(
                    recorded(dir, key).len() >= KEEP.min(5),
                    "never fewer than keep generations once a series is full, at {now}"
                );
            }
        }
    }
    // The skipped night was not back-filled.
    assert!(
        !recorded(dir, "web").contains(&"2026-12-09T18:00:00Z".parse().expect("a time")),
        "missed ticks are not back-filled"
    );
}

#[test]
fn daylight_saving_changes_keep_one_generation_per_night() {
    let cloud = Cloud::start();
    let dir = project(&cloud, &config("Europe/Berlin", "30 2 * * *"));
    let dir = dir.path();
    // Around the spring change (02:30 does not exist on the 28th) and the autumn one (02:30
    // happens twice on the 25th).
    let nights = [
        "2027-03-26T12:00:00+01:00",
        "2027-03-27T12:00:00+01:00",
        "2027-03-28T12:00:00+02:00",
        "2027-03-29T12:00:00+02:00",
        "2026-10-24T12:00:00+02:00",
        "2026-10-25T12:00:00+01:00",
        "2026-10-26T12:00:00+01:00",
    ];
    for now in &nights[..4] {
        run_at(dir, now);
        let ticks = recorded(dir, "web");
        assert!(!ticks.is_empty() && ticks.len() <= KEEP, "{now}: {ticks:?}");
        // One generation per night at most: no two ticks within a day.
        let ticks: Vec<Timestamp> = ticks.into_iter().collect();
        for pair in ticks.windows(2) {
            assert!(
                pair[1].duration_since(pair[0]) >= jiff::SignedDuration::from_hours(22),
                "{now}: {pair:?}"
            );
        }
    }
    // A clock that goes back: a fresh project, so the series starts in October.
    let dir2 = project(&cloud, &config("Europe/Berlin", "30 2 * * *"));
    for now in &nights[4..] {
        run_at(dir2.path(), now);
    }
    assert_eq!(recorded(dir2.path(), "web").len(), KEEP);
}

#[test]
fn a_kill_during_a_rotation_leaves_no_duplicate_and_expires_nothing_early() {
    // Backups take long enough to kill the apply while it waits for the new generation.
    let cloud = Cloud::with(snapform_emulator::EmulatorConfig {
        ready_after: std::time::Duration::from_secs(3),
        ..snapform_emulator::EmulatorConfig::default()
    });
    let dir = project(&cloud, &config("UTC", "@daily"));
    let dir = dir.path();
    for day in 1..=3 {
        run_at(dir, &format!("2026-12-{day:02}T12:00:00Z"));
    }
    let before = recorded(dir, "web");
    assert_eq!(before.len(), KEEP);
    // Day 4: a create, then an expiry that waits for it; kill while it waits.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_snapform"))
        .args(["apply", "-auto-approve", "-now=2026-12-04T12:00:00Z"])
        .current_dir(dir)
        .envs(crate::cloud::env(dir))
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("snapform starts");
    // Wait until the create is recorded, then kill.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let still_running;
    loop {
        // The journal's records are framed in binary; their payloads are JSON.
        let text = std::fs::read_to_string(dir.join("snapform.tfstate")).unwrap_or_default()
            + &String::from_utf8_lossy(
                &std::fs::read(dir.join("snapform.tfstate.journal")).unwrap_or_default(),
            );
        if text.contains("2026-12-04T00:00:00Z") || std::time::Instant::now() > deadline {
            still_running = child.try_wait().expect("the child's status").is_none();
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(still_running, "the apply was killed while it ran");
    child.kill().expect("killed");
    child.wait().expect("reaped");
    // Nothing expired before the new generation was ready.
    let oldest = *before.iter().next().expect("a generation");
    assert!(
        in_cloud(&cloud, "disk-qs100001").contains(&name("web", oldest, "UTC")),
        "the oldest generation is still there: {:?}",
        in_cloud(&cloud, "disk-qs100001")
    );
    // The rerun converges: one generation for day 4, the oldest expired, nothing else.
    run_at(dir, "2026-12-04T12:00:00Z");
    let after = recorded(dir, "web");
    assert_eq!(after.len(), KEEP, "{after:?}");
    assert!(after.contains(&"2026-12-04T00:00:00Z".parse().expect("a time")));
    assert!(!after.contains(&oldest));
    let names: BTreeSet<String> = after.iter().map(|tick| name("web", *tick, "UTC")).collect();
    assert_eq!(
        in_cloud(&cloud, "disk-qs100001"),
        names,
        "no duplicate, no orphan"
    );
}

#[test]
fn a_generation_is_removed_from_state_and_imported_back_by_its_address() {
    let cloud = Cloud::start();
    let dir = project(&cloud, &config("Asia/Shanghai", "0 2 * * *"));
    let dir = dir.path();
    let now = "2026-12-05T03:00:00+08:00";
    run_at(dir, now);
    let generation = "tencentcloud_cbs_disk_backup.nightly[\"web\"]@2026-12-04T18:00:00Z";
    let list = sf(dir, &["state", "list"]);
    assert!(list.stdout.contains(generation), "{}", list.stdout);
    let show = sf(dir, &["state", "show", generation]);
    assert!(
        show.stdout.contains("nightly-web-202612050200"),
        "{}",
        show.transcript()
    );
    let id = state(dir)["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|record| record["addr"] == generation)
        .expect("recorded")["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let removed = sf(dir, &["state", "rm", generation]);
    assert_eq!(removed.code, 0, "{}", removed.transcript());
    assert!(!recorded(dir, "web").contains(&"2026-12-04T18:00:00Z".parse().expect("a time")));

    // The series address alone, or a time that is not a tick, is refused with what to write.
    let series = "tencentcloud_cbs_disk_backup.nightly[\"web\"]";
    let bare = sf(dir, &["import", series, &id]);
    assert_ne!(bare.code, 0);
    assert!(
        bare.stderr.contains("is a series") && bare.stderr.contains("@TICK"),
        "{}",
        bare.stderr
    );
    let off_tick = format!("{series}@2026-12-04T17:00:00Z");
    let off = sf(dir, &["import", &off_tick, &id]);
    assert_ne!(off.code, 0);
    assert!(
        off.stderr.contains("is not a tick")
            && off
                .stderr
                .contains("2026-12-03T18:00:00Z and 2026-12-04T18:00:00Z"),
        "{}",
        off.stderr
    );

    let imported = sf(dir, &["import", generation, &id]);
    assert_eq!(imported.code, 0, "{}", imported.transcript());
    assert!(recorded(dir, "web").contains(&"2026-12-04T18:00:00Z".parse().expect("a time")));
    let again = sf(dir, &["plan", "-detailed-exitcode", &format!("-now={now}")]);
    assert_eq!(again.code, 0, "{}", again.transcript());
}
