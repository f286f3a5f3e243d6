//! The local backend: whole writes, the journal, folding, locks and file modes.

use super::*;

fn info(id: &str) -> LockInfo {
    LockInfo {
        id: id.to_owned(),
        operation: "apply".to_owned(),
        who: "tester@host".to_owned(),
        version: "0".to_owned(),
        created: "2026-11-22T03:00:00Z".to_owned(),
        path: String::new(),
        pid: std::process::id(),
    }
}

#[test]
fn writes_are_atomic_and_keep_a_backup() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut backend = LocalBackend::new(dir.path().join("snapform.tfstate"));
    assert_eq!(backend.read().expect("no state yet"), None);
    let mut state = State::new();
    state.serial = 1;
    backend.write(&state).expect("first write");
    assert!(
        !dir.path().join("snapform.tfstate.backup").exists(),
        "nothing to back up"
    );
    state.serial = 2;
    backend.write(&state).expect("second write");
    let backup =
        std::fs::read_to_string(dir.path().join("snapform.tfstate.backup")).expect("backup");
    assert!(
        backup.contains("\"serial\": 1"),
        "the backup holds the state from before the run"
    );
    assert_eq!(backend.read().expect("read").map(|s| s.serial), Some(2));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");
}

#[test]
fn a_corrupt_or_newer_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapform.tfstate");
    for text in [
        "{\"format_version\": 1, \"ser",
        "{\"format_version\": 99, \"serial\": 1}",
    ] {
        std::fs::write(&path, text).expect("write");
        let backend = LocalBackend::new(&path);
        assert!(backend.read().is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
    }
}

#[test]
fn a_second_lock_fails_fast_names_its_holder_and_waits_with_a_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalBackend::new(dir.path().join("snapform.tfstate"));
    let guard = backend.lock(info("first"), Duration::ZERO).expect("locked");
    let started = Instant::now();
    let error = backend
        .lock(info("second"), Duration::ZERO)
        .expect_err("already locked");
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(
        error.to_string().contains("tester@host running `apply`"),
        "{error}"
    );
    assert!(error.to_string().contains("lock ID first"), "{error}");
    let error = backend
        .lock(info("second"), Duration::from_millis(300))
        .expect_err("still locked");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(matches!(error, Error::Locked { .. }));
    assert!(matches!(
        backend.force_unlock("first"),
        Err(Error::LockHeldByRunningProcess { .. })
    ));
    drop(guard);
    assert!(
        !backend.lock_info_path().exists(),
        "the info goes with the lock"
    );
    backend
        .lock(info("third"), Duration::ZERO)
        .expect("free again");
}

#[test]
fn force_unlock_clears_a_stale_lock_with_the_right_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = LocalBackend::new(dir.path().join("snapform.tfstate"));
    assert!(matches!(backend.force_unlock("x"), Err(Error::NotLocked)));
    // A process that died leaves its info but not its OS lock.
    std::fs::write(
        backend.lock_info_path(),
        serde_json::to_string(&info("stale")).expect("json"),
    )
    .expect("write");
    assert!(matches!(
        backend.force_unlock("other"),
        Err(Error::LockIdMismatch { .. })
    ));
    backend.force_unlock("stale").expect("cleared");
    assert!(!backend.lock_info_path().exists());
}

use crate::delta::tests::{addr, intent, record};

/// A state of serial 1 written whole, as a run's first save writes it.
fn written(dir: &Path) -> (LocalBackend, State) {
    let mut backend = LocalBackend::new(dir.join("snapform.tfstate"));
    let mut state = State::new();
    state.serial = 1;
    state.upsert(record(0, 0));
    backend.write(&state).expect("written");
    (backend, state)
}

/// Saves one step that records an intent and a record at `idx`; returns the state it gives.
fn step(backend: &mut LocalBackend, state: &mut State, idx: usize) {
    let mut delta = StateDelta::empty(state.lineage.clone(), state.serial + 1);
    delta.intents_added.push(intent(idx, 0));
    delta.upserted.push(record(idx, 1));
    if idx > 0 {
        delta.intents_removed.push(addr(idx - 1));
    }
    backend.save(&delta).expect("saved");
    state.apply_delta(&delta).expect("follows");
}

fn file_text(path: &Path) -> String {
    std::fs::read_to_string(path).expect("readable")
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn steps_go_to_the_journal_and_reading_applies_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    let file_before = file_text(backend.path());
    for idx in 1..=4 {
        step(&mut backend, &mut state, idx);
    }
    assert_eq!(
        file_text(backend.path()),
        file_before,
        "the state file is not rewritten"
    );
    assert!(backend.journal_path().exists());
    assert_eq!(backend.read().expect("read"), Some(state.clone()));
    assert_eq!(
        LocalBackend::new(backend.path())
            .read()
            .expect("another process reads"),
        Some(state.clone())
    );

    backend.fold().expect("folded");
    assert!(!backend.journal_path().exists());
    let folded = file_text(backend.path());
    assert_eq!(folded, statefile::encode(&state));
    backend.fold().expect("nothing to fold");
    assert_eq!(file_text(backend.path()), folded);
    // Steps go on after a fold, in a new journal.
    step(&mut backend, &mut state, 5);
    assert_eq!(backend.read().expect("read"), Some(state));
}

#[test]
fn a_step_that_does_not_follow_the_stored_state_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    step(&mut backend, &mut state, 1);
    let journal_before = std::fs::read(backend.journal_path()).expect("journal");
    for (lineage, serial) in [
        (state.lineage.clone(), state.serial),
        (state.lineage.clone(), state.serial + 2),
        ("another".to_owned(), state.serial + 1),
    ] {
        let delta = StateDelta::empty(lineage, serial);
        let error = backend.save(&delta).expect_err("does not follow");
        assert!(matches!(error, Error::Conflict { .. }), "{error}");
    }
    assert_eq!(
        std::fs::read(backend.journal_path()).expect("journal"),
        journal_before,
        "nothing was appended"
    );
    // A process that knows nothing yet reads what is stored before it saves.
    let mut other = LocalBackend::new(backend.path());
    let error = other
        .save(&StateDelta::empty(state.lineage.clone(), state.serial))
        .expect_err("already stored");
    assert!(
        matches!(
            error,
            Error::Conflict {
                stored_serial: 2,
                ..
            }
        ),
        "{error}"
    );
    step(&mut other, &mut state, 2);
    assert_eq!(other.read().expect("read"), Some(state));
}

#[test]
fn a_journal_changed_by_another_process_is_noticed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    step(&mut backend, &mut state, 1);
    // Another process (with -lock=false) writes the whole state, which removes the journal.
    let mut other = LocalBackend::new(backend.path());
    let mut theirs = other.read().expect("read").expect("exists");
    theirs.serial += 1;
    other.write(&theirs).expect("written");
    let mut delta = StateDelta::empty(state.lineage.clone(), state.serial + 1);
    delta.upserted.push(record(7, 0));
    let error = backend.save(&delta).expect_err("the journal was replaced");
    assert!(matches!(error, Error::Conflict { .. }), "{error}");
    assert_eq!(backend.read().expect("read"), Some(theirs));
}

/// The sizes of the state file and of the journal (0 when there is none).
fn sizes(backend: &LocalBackend) -> (u64, u64) {
    let state_len = std::fs::metadata(backend.path()).expect("state").len();
    let journal_len = std::fs::metadata(backend.journal_path()).map_or(0, |meta| meta.len());
    (state_len, journal_len)
}

#[test]
fn the_journal_is_folded_when_it_grows_past_the_state_file() {
    // A caller that never writes the whole state when asked: the backend folds by itself.
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    backend.set_fold_floor(0);
    let mut n_folds = 0;
    for idx in 1..=60 {
        let had_journal = backend.journal_path().exists();
        step(&mut backend, &mut state, idx);
        let (state_len, journal_len) = sizes(&backend);
        assert!(
            journal_len <= FOLD_SELF_FACTOR * state_len,
            "step {idx}: {journal_len} > {FOLD_SELF_FACTOR} x {state_len}"
        );
        if had_journal && journal_len == 0 {
            n_folds += 1;
        }
    }
    assert!(n_folds > 1, "folded {n_folds} times");
    assert_eq!(backend.read().expect("read"), Some(state));
}

#[test]
fn a_journal_past_the_state_file_asks_for_the_whole_state_which_replaces_both() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    backend.set_fold_floor(0);
    let mut n_whole = 0;
    for idx in 1..=60 {
        if backend.wants_whole() {
            let (state_len, journal_len) = sizes(&backend);
            assert!(journal_len > state_len, "step {idx}: asked too early");
            state.serial += 1;
            backend.write(&state).expect("written");
            assert!(
                !backend.journal_path().exists(),
                "the journal went with the write"
            );
            assert!(!backend.wants_whole());
            n_whole += 1;
        } else {
            step(&mut backend, &mut state, idx);
        }
        let (state_len, journal_len) = sizes(&backend);
        assert!(
            journal_len <= FOLD_SELF_FACTOR * state_len,
            "step {idx}: {journal_len} > {FOLD_SELF_FACTOR} x {state_len}"
        );
    }
    assert!(n_whole > 1, "the whole state was asked for {n_whole} times");
    assert_eq!(backend.read().expect("read"), Some(state));
}

#[test]
fn a_fold_stopped_at_any_step_is_finished_by_the_next_command_without_applying_twice() {
    for crash in [FoldStep::TempWritten, FoldStep::Renamed] {
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut backend, mut state) = written(dir.path());
        for idx in 1..=3 {
            step(&mut backend, &mut state, idx);
        }
        backend.fold_until(crash).expect("stopped");
        assert!(
            backend.journal_path().exists(),
            "{crash:?}: the crash left the journal"
        );
        drop(backend);

        let next = LocalBackend::new(dir.path().join("snapform.tfstate"));
        assert_eq!(next.read().expect("read"), Some(state.clone()), "{crash:?}");
        let guard = next.lock(info("next"), Duration::ZERO).expect("locked");
        assert!(
            !next.journal_path().exists(),
            "{crash:?}: folded under the lock"
        );
        assert_eq!(
            file_text(next.path()),
            statefile::encode(&state),
            "{crash:?}"
        );
        assert_eq!(next.read().expect("read"), Some(state.clone()), "{crash:?}");
        drop(guard);
    }
}

#[test]
fn a_crashed_run_leaves_its_journal_for_the_next_locked_command() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    let file_before = file_text(backend.path());
    for idx in 1..=3 {
        step(&mut backend, &mut state, idx);
    }
    // A torn last record: the run died while appending.
    let mut torn = journal::encode_record(&StateDelta::empty(state.lineage.clone(), 99));
    torn.truncate(torn.len() / 2);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(backend.journal_path())
        .expect("journal");
    file.write_all(&torn).expect("torn record");
    drop(backend);

    let next = LocalBackend::new(dir.path().join("snapform.tfstate"));
    assert_eq!(next.read().expect("read"), Some(state.clone()));
    assert_eq!(
        file_text(next.path()),
        file_before,
        "reading changes no file"
    );
    assert!(next.journal_path().exists());
    let guard = next.lock(info("next"), Duration::ZERO).expect("locked");
    assert!(!next.journal_path().exists());
    assert_eq!(file_text(next.path()), statefile::encode(&state));
    drop(guard);
}

#[test]
fn a_torn_record_is_cut_off_before_the_next_step_is_appended() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    step(&mut backend, &mut state, 1);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(backend.journal_path())
        .expect("journal");
    file.write_all(&[0xF5, b'S', b'J', 1, 200])
        .expect("torn record");
    drop(backend);
    // With -lock=false the next run saves without a fold first.
    let mut next = LocalBackend::new(dir.path().join("snapform.tfstate"));
    step(&mut next, &mut state, 2);
    step(&mut next, &mut state, 3);
    assert_eq!(
        LocalBackend::new(next.path()).read().expect("read"),
        Some(state)
    );
}

#[test]
fn a_damaged_journal_refuses_the_state_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    for idx in 1..=3 {
        step(&mut backend, &mut state, idx);
    }
    drop(backend);
    let state_path = dir.path().join("snapform.tfstate");
    let journal_path = dir.path().join("snapform.tfstate.journal");
    let mut bytes = std::fs::read(&journal_path).expect("journal");
    bytes[20] ^= 0x01;
    std::fs::write(&journal_path, &bytes).expect("damaged");
    let state_before = file_text(&state_path);

    let mut next = LocalBackend::new(&state_path);
    let error = next.read().expect_err("refused");
    assert!(matches!(error, Error::Journal { .. }), "{error}");
    assert!(error.to_string().contains("byte 0"), "{error}");
    let error = next
        .lock(info("next"), Duration::ZERO)
        .expect_err("refused");
    assert!(matches!(error, Error::Journal { .. }), "{error}");
    assert!(!next.lock_info_path().exists(), "the lock was released");
    assert!(next.fold().is_err());
    assert!(
        next.save(&StateDelta::empty(state.lineage.clone(), 5))
            .is_err()
    );
    assert_eq!(file_text(&state_path), state_before);
    assert_eq!(std::fs::read(&journal_path).expect("journal"), bytes);
    assert!(!dir.path().join("snapform.tfstate.backup").exists());
}

#[test]
fn a_journal_without_its_state_file_or_of_another_lineage_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    step(&mut backend, &mut state, 1);
    drop(backend);
    let state_path = dir.path().join("snapform.tfstate");
    let mut foreign = State::new();
    foreign.serial = 1;
    std::fs::write(&state_path, statefile::encode(&foreign)).expect("replaced by hand");
    let error = LocalBackend::new(&state_path)
        .read()
        .expect_err("another lineage");
    assert!(error.to_string().contains("another state"), "{error}");
    std::fs::remove_file(&state_path).expect("removed by hand");
    let error = LocalBackend::new(&state_path)
        .read()
        .expect_err("no state file");
    assert!(error.to_string().contains("no state file"), "{error}");
    let error = LocalBackend::new(&state_path)
        .save(&StateDelta::empty(state.lineage.clone(), 3))
        .expect_err("no state file");
    assert!(matches!(error, Error::Journal { .. }), "{error}");
    std::fs::remove_file(dir.path().join("snapform.tfstate.journal")).expect("removed");
    let error = LocalBackend::new(&state_path)
        .save(&StateDelta::empty(state.lineage, 3))
        .expect_err("no state");
    assert!(matches!(error, Error::Missing { .. }), "{error}");
}

#[test]
fn the_backup_holds_the_state_from_before_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (backend, mut state) = written(dir.path());
    let before_run = file_text(backend.path());
    drop(backend);
    // A run that only saves steps: its first fold keeps the state from before it.
    let mut run = LocalBackend::new(dir.path().join("snapform.tfstate"));
    for idx in 1..=3 {
        step(&mut run, &mut state, idx);
    }
    run.fold().expect("folded");
    step(&mut run, &mut state, 4);
    run.fold().expect("folded");
    let backup = dir.path().join("snapform.tfstate.backup");
    assert_eq!(file_text(&backup), before_run);
    assert_eq!(run.read().expect("read"), Some(state));
}

#[cfg(unix)]
#[test]
fn every_file_holding_state_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let mode = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .expect(name)
            .permissions()
            .mode()
            & 0o777
    };
    let (mut backend, mut state) = written(dir.path());
    // A backup left readable by an older snapform is replaced by a private one.
    let backup = dir.path().join("snapform.tfstate.backup");
    std::fs::write(&backup, "old").expect("old backup");
    std::fs::set_permissions(&backup, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    state.serial += 1;
    backend.write(&state).expect("second write");
    step(&mut backend, &mut state, 1);
    assert_eq!(mode("snapform.tfstate"), 0o600);
    assert_eq!(mode("snapform.tfstate.backup"), 0o600);
    assert_eq!(mode("snapform.tfstate.journal"), 0o600);
    // The temporary file a crashed fold leaves behind is private too.
    backend.fold_until(FoldStep::TempWritten).expect("stopped");
    let temps: Vec<String> = names_in(dir.path())
        .into_iter()
        .filter(|name| name.starts_with(".tmp"))
        .collect();
    assert_eq!(temps.len(), 1, "{temps:?}");
    assert_eq!(mode(&temps[0]), 0o600);
    backend.fold().expect("folded");
    assert_eq!(mode("snapform.tfstate"), 0o600);
}

/// A backend without a journal, to check the provided `save`.
struct WholeWrites(Option<State>);

impl Backend for WholeWrites {
    fn read(&self) -> Result<Option<State>, Error> {
        Ok(self.0.clone())
    }
    fn write(&mut self, state: &State) -> Result<(), Error> {
        self.0 = Some(state.clone());
        Ok(())
    }
    fn lock(&self, _: LockInfo, _: Duration) -> Result<LockGuard, Error> {
        unreachable!("not locked in this test")
    }
    fn force_unlock(&self, _: &str) -> Result<(), Error> {
        Ok(())
    }
    fn describe(&self) -> String {
        "memory".to_owned()
    }
}

#[test]
fn a_backend_without_a_journal_saves_a_step_as_a_whole_write() {
    let mut backend = WholeWrites(None);
    let error = backend
        .save(&StateDelta::empty("x", 1))
        .expect_err("no state");
    assert!(matches!(error, Error::Missing { .. }));
    let mut state = State::new();
    backend.write(&state).expect("written");
    let mut delta = StateDelta::empty(state.lineage.clone(), 1);
    delta.upserted.push(record(3, 0));
    backend.save(&delta).expect("saved");
    state.apply_delta(&delta).expect("follows");
    assert_eq!(backend.0.as_ref(), Some(&state));
    assert!(matches!(backend.save(&delta), Err(Error::Conflict { .. })));
    backend.fold().expect("nothing to fold");
}

#[test]
fn each_workspace_has_its_own_state_file_beside_the_default_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let default_path = dir.path().join("snapform.tfstate");
    let mut default = LocalBackend::new(&default_path);
    let mut staging = LocalBackend::for_workspace(&default_path, "staging").expect("valid name");
    assert_eq!(
        staging.path(),
        dir.path()
            .join("snapform.tfstate.d/staging/snapform.tfstate")
    );
    let mut state = State::new();
    state.serial = 1;
    let guard = staging.lock(info("ws"), Duration::ZERO).expect("locked");
    staging.write(&state).expect("written");
    drop(guard);
    assert_eq!(default.read().expect("read"), None, "isolated");
    default.write(&State::new()).expect("default written");
    assert_eq!(
        default.workspaces().expect("listed"),
        ["default", "staging"]
    );
    assert!(default.delete_workspace().is_err(), "default stays");
    staging.delete_workspace().expect("deleted");
    assert!(!dir.path().join("snapform.tfstate.d/staging").exists());
    assert_eq!(default.workspaces().expect("listed"), ["default"]);
    for bad in ["", "../x", ".hidden", "a/b", "a b"] {
        assert!(
            LocalBackend::for_workspace(&default_path, bad).is_err(),
            "{bad:?}"
        );
    }
}

#[test]
fn folding_with_the_state_in_memory_leaves_what_folding_the_files_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut backend, mut state) = written(dir.path());
    for idx in 1..=5 {
        step(&mut backend, &mut state, idx);
    }
    let other = tempfile::tempdir().expect("temp dir");
    std::fs::copy(backend.path(), other.path().join("snapform.tfstate")).expect("copied");
    std::fs::copy(
        backend.journal_path(),
        other.path().join("snapform.tfstate.journal"),
    )
    .expect("copied");
    let mut from_files = LocalBackend::new(other.path().join("snapform.tfstate"));
    from_files.fold().expect("folded from the files");

    backend.fold_with(&state).expect("folded from memory");
    assert!(!backend.journal_path().exists());
    assert_eq!(file_text(backend.path()), file_text(from_files.path()));
    assert_eq!(
        file_text(&dir.path().join("snapform.tfstate.backup")),
        file_text(&other.path().join("snapform.tfstate.backup")),
        "the backup is the state from before the run either way"
    );

    // A state this process did not store last is not trusted: the files are folded.
    let mut stale = state.clone();
    stale.serial -= 1;
    step(&mut backend, &mut state, 6);
    backend.fold_with(&stale).expect("folded from the files");
    assert_eq!(backend.read().expect("read"), Some(state));
}

#[test]
fn only_a_file_readable_as_state_is_backed_up_and_it_is_copied_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapform.tfstate");
    let backup = dir.path().join("snapform.tfstate.backup");
    let mut state = State::new();
    state.serial = 7;
    std::fs::write(&path, "not a state {").expect("write");
    LocalBackend::new(path.clone())
        .write(&state)
        .expect("written over");
    assert!(!backup.exists(), "what is not a state is not kept as one");
    // A state as another build wrote it (its own spacing): the copy is the file, not a
    // state written again.
    let written = file_text(&path).replace("\n  ", "\n    ");
    std::fs::write(&path, &written).expect("write");
    state.serial = 8;
    LocalBackend::new(path.clone())
        .write(&state)
        .expect("written over");
    assert_eq!(file_text(&backup), written);
}
