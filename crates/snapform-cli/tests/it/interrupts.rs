//! Ctrl-C: the first stops gracefully, a second leaves at once, and the state keeps every
//! finished step.

use std::time::Duration;

use snapform_emulator::EmulatorConfig;

use crate::cloud::{Cloud, project, sf, state};
use crate::runs::{EVERY_TYPE, apply_ok, assert_no_duplicates_or_orphans, no_changes};

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
