//! Saving the state after every step, with group commits: a step changes the state in memory
//! and waits until a write that includes its change is durable. Steps that finish together
//! share one write, so a thousand creates do not mean three thousand serial fsyncs.
//!
//! A save costs what changed, not the size of the state: edits go through a [`TrackedState`],
//! which notes the keys they touch, and each write after the first hands the backend a
//! [`StateDelta`] of those keys (the local backend appends it to its journal). The first write
//! of a run stores the refreshed state whole, since refresh may have changed any record.
//!
//! A write that fails (after whatever retrying the backend does itself) breaks the saver: no
//! later write is tried, every later flush fails at once, and the state in memory keeps every
//! change, so the caller can keep it elsewhere (`snapform.errored.tfstate`). Writing after a
//! failed write could store steps that follow a step the backend never got.

use std::sync::Mutex;

use snapform_state::{Backend, State, TrackedState};

/// Runs a backend call, which blocks its thread (an fsync, a database round trip, or a
/// database that is away while the backend retries): on a multi-thread runtime the worker's
/// other tasks move to another thread meanwhile; elsewhere it simply runs.
fn blocking<T>(call: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(call)
        }
        _ => call(),
    }
}

/// The state being applied, and the backend it is saved to.
pub struct Saver {
    /// The state in memory and the number of changes made to it.
    current: Mutex<(TrackedState, u64)>,
    /// The backend and the last change number written; one writer at a time.
    writer: tokio::sync::Mutex<Writer>,
    /// Why the first failed write failed, once one did.
    failure: std::sync::OnceLock<String>,
}

struct Writer {
    /// Taken back by [`Saver::take_backend`] at the end of the run.
    backend: Option<Box<dyn Backend + Send>>,
    saved: u64,
    serial: u64,
    /// Whether the next write stores the whole state (the first of the run).
    whole: bool,
}

impl Saver {
    /// Starts from `state`; writes go to `backend` with serials after `state.serial`.
    pub fn new(state: State, backend: Box<dyn Backend + Send>) -> Saver {
        let serial = state.serial;
        Saver {
            current: Mutex::new((TrackedState::new(state), 0)),
            writer: tokio::sync::Mutex::new(Writer {
                backend: Some(backend),
                saved: 0,
                serial,
                whole: true,
            }),
            failure: std::sync::OnceLock::new(),
        }
    }

    /// Why a write failed, once one did: the saver writes nothing more, and the state in
    /// memory holds every change.
    pub fn failure(&self) -> Option<&str> {
        self.failure.get().map(String::as_str)
    }

    fn broken(&self, error: snapform_state::Error) -> snapform_state::Error {
        let mut reason = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        let _ = self.failure.set(reason);
        error
    }

    /// Changes the state in memory; returns the change's number.
    pub fn change(&self, edit: impl FnOnce(&mut TrackedState)) -> u64 {
        let mut current = self
            .current
            .lock()
            .expect("the state's lock is never poisoned");
        edit(&mut current.0);
        current.1 += 1;
        current.1
    }

    /// Reads the state in memory without copying it.
    pub fn read<T>(&self, reader: impl FnOnce(&State) -> T) -> T {
        reader(
            &self
                .current
                .lock()
                .expect("the state's lock is never poisoned")
                .0,
        )
    }

    /// A copy of the state in memory, with the serial of the last write.
    #[cfg(test)]
    pub fn snapshot(&self) -> State {
        self.read(State::clone)
    }

    /// The state in memory, with the serial of the last write, taken out at the end of the
    /// run without copying it; the saver holds an empty state afterwards.
    pub fn take_state(&self) -> State {
        let mut current = self
            .current
            .lock()
            .expect("the state's lock is never poisoned");
        std::mem::replace(&mut current.0, TrackedState::new(State::new())).into_state()
    }

    /// Waits until change `number` (and every change before it) is written.
    pub async fn flush(&self, number: u64) -> Result<(), snapform_state::Error> {
        let mut writer = self.writer.lock().await;
        if writer.saved >= number {
            return Ok(());
        }
        if let Some(reason) = self.failure() {
            return Err(snapform_state::Error::EarlierSaveFailed {
                reason: reason.to_owned(),
            });
        }
        let serial = writer.serial + 1;
        let whole_first = writer.whole;
        let backend = writer
            .backend
            .as_mut()
            .expect("the backend is taken back only after the last write");
        let whole = whole_first || backend.wants_whole();
        let latest = if whole {
            // Written from the state in memory, under its lock: a copy of a fleet's state
            // would cost more memory than anything else the run holds, and this happens once
            // per run and each time a journal outgrows its state file, a few times at most.
            let mut current = self
                .current
                .lock()
                .expect("the state's lock is never poisoned");
            let before = current.0.serial;
            current.0.untouch();
            current.0.set_serial(serial);
            let latest = current.1;
            if let Err(error) = blocking(|| backend.write(&current.0)) {
                current.0.set_serial(before);
                drop(current);
                return Err(self.broken(error));
            }
            latest
        } else {
            let (delta, latest) = {
                let mut current = self
                    .current
                    .lock()
                    .expect("the state's lock is never poisoned");
                (current.0.take_delta(serial), current.1)
            };
            if let Err(error) = blocking(|| backend.save(&delta)) {
                // The keys stay touched, so the state in memory still says what is unsaved.
                self.current
                    .lock()
                    .expect("the state's lock is never poisoned")
                    .0
                    .retouch(&delta);
                return Err(self.broken(error));
            }
            latest
        };
        writer.serial = serial;
        writer.saved = latest;
        writer.whole = false;
        self.current
            .lock()
            .expect("the state's lock is never poisoned")
            .0
            .set_serial(serial);
        Ok(())
    }

    /// Changes the state and waits until the change is written.
    pub async fn save(
        &self,
        edit: impl FnOnce(&mut TrackedState),
    ) -> Result<(), snapform_state::Error> {
        let number = self.change(edit);
        self.flush(number).await
    }

    /// Writes whatever is not written yet.
    pub async fn flush_all(&self) -> Result<(), snapform_state::Error> {
        let latest = self
            .current
            .lock()
            .expect("the state's lock is never poisoned")
            .1;
        self.flush(latest).await
    }

    /// The backend, given back at the end of the run (to fold what was saved step by step).
    pub async fn take_backend(&self) -> Box<dyn Backend + Send> {
        self.writer
            .lock()
            .await
            .backend
            .take()
            .expect("the backend is taken back once")
    }
}

#[cfg(test)]
mod tests {
    use snapform_core::Value;
    use snapform_state::LocalBackend;

    use super::*;

    fn saved_serial(path: &std::path::Path) -> u64 {
        LocalBackend::new(path)
            .read()
            .expect("readable")
            .expect("written")
            .serial
    }

    #[tokio::test]
    async fn changes_made_together_share_one_write_with_the_next_serial() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("snapform.tfstate");
        let start = State {
            serial: 5,
            ..State::new()
        };
        let saver = Saver::new(start, Box::new(LocalBackend::new(&path)));
        let first = saver.change(|state| {
            state.set_outputs(
                [("a".into(), Value::string("1"))].into(),
                Default::default(),
            );
        });
        saver.change(|state| {
            let mut outputs = state.outputs.clone();
            outputs.insert("b".into(), Value::string("2"));
            state.set_outputs(outputs, Default::default());
        });
        saver.flush(first).await.expect("written");
        // The write that made `first` durable carried the change after it too.
        assert_eq!(saved_serial(&path), 6);
        saver.flush_all().await.expect("nothing left to write");
        assert_eq!(saved_serial(&path), 6);
        assert_eq!(saver.snapshot().serial, 6);
        assert_eq!(saver.read(|state| state.outputs.len()), 2);

        saver
            .save(|state| state.set_outputs(Default::default(), Default::default()))
            .await
            .expect("written");
        assert_eq!(saved_serial(&path), 7);
        let saved = LocalBackend::new(&path).read().expect("r").expect("w");
        assert!(saved.outputs.is_empty());
        assert_eq!(saver.snapshot().serial, 7);
    }

    /// Records what reaches it; fails the next save when asked.
    #[derive(Clone, Default)]
    struct Recording(std::sync::Arc<std::sync::Mutex<Calls>>);

    #[derive(Default)]
    struct Calls {
        writes: Vec<State>,
        deltas: Vec<snapform_state::StateDelta>,
        fail_next_save: bool,
        wants_whole: bool,
    }

    impl Backend for Recording {
        fn read(&self) -> Result<Option<State>, snapform_state::Error> {
            Ok(None)
        }
        fn write(&mut self, state: &State) -> Result<(), snapform_state::Error> {
            self.0
                .lock()
                .expect("not poisoned")
                .writes
                .push(state.clone());
            Ok(())
        }
        fn save(
            &mut self,
            delta: &snapform_state::StateDelta,
        ) -> Result<(), snapform_state::Error> {
            let mut calls = self.0.lock().expect("not poisoned");
            if std::mem::take(&mut calls.fail_next_save) {
                return Err(snapform_state::Error::Missing {
                    location: "nowhere".to_owned(),
                });
            }
            calls.deltas.push(delta.clone());
            Ok(())
        }
        fn wants_whole(&self) -> bool {
            self.0.lock().expect("not poisoned").wants_whole
        }
        fn lock(
            &self,
            _: snapform_state::LockInfo,
            _: std::time::Duration,
        ) -> Result<snapform_state::LockGuard, snapform_state::Error> {
            unreachable!("not locked here")
        }
        fn force_unlock(&self, _: &str) -> Result<(), snapform_state::Error> {
            Ok(())
        }
        fn describe(&self) -> String {
            "recording".to_owned()
        }
    }

    fn record(name: &str) -> snapform_state::ResourceRecord {
        snapform_state::ResourceRecord {
            addr: format!("tencentcloud_cbs_disk_backup.{name}")
                .parse()
                .expect("address"),
            provider: snapform_core::ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            id: format!("dbp-{name}"),
            attributes: Default::default(),
            dependencies: Vec::new(),
            status: snapform_state::RecordStatus::Ready,
            sensitive_attributes: Default::default(),
        }
    }

    /// Records `record(name)` and waits until it is written.
    async fn save_record(saver: &Saver, name: &str) -> Result<(), snapform_state::Error> {
        saver.save(|state| state.upsert(record(name))).await
    }

    #[tokio::test]
    async fn the_first_write_is_whole_and_the_next_ones_carry_only_what_changed() {
        let backend = Recording::default();
        let calls = backend.0.clone();
        let mut start = State::new();
        start.upsert(record("old"));
        let saver = Saver::new(start, Box::new(backend));
        save_record(&saver, "a").await.expect("whole");
        save_record(&saver, "b").await.expect("delta");
        {
            let calls = calls.lock().expect("not poisoned");
            assert_eq!(calls.writes.len(), 1);
            assert_eq!(
                calls.writes[0].resources.len(),
                2,
                "the refreshed state, whole"
            );
            assert_eq!(calls.deltas.len(), 1);
            assert_eq!(calls.deltas[0].serial, 2);
            assert_eq!(
                calls.deltas[0].upserted,
                vec![record("b")],
                "only what changed"
            );
        }
        // A failed save breaks the saver: nothing later is written, and the state in memory
        // keeps every change with the serial of the last write.
        calls.lock().expect("not poisoned").fail_next_save = true;
        saver
            .save(|state| {
                state.remove(&record("old").addr);
            })
            .await
            .expect_err("failed");
        assert!(
            saver.failure().is_some_and(|why| why.contains("nowhere")),
            "{:?}",
            saver.failure()
        );
        let later = saver
            .save(|state| state.upsert(record("c")))
            .await
            .expect_err("not tried");
        assert!(matches!(
            later,
            snapform_state::Error::EarlierSaveFailed { .. }
        ));
        assert_eq!(calls.lock().expect("not poisoned").deltas.len(), 1);
        let kept = saver.take_state();
        assert_eq!(kept.serial, 2);
        assert!(kept.resource(&record("old").addr).is_none());
        assert!(kept.resource(&record("c").addr).is_some());
    }

    #[tokio::test]
    async fn a_backend_that_wants_the_whole_state_gets_the_one_in_memory_with_every_change() {
        let backend = Recording::default();
        let calls = backend.0.clone();
        let saver = Saver::new(State::new(), Box::new(backend));
        save_record(&saver, "a").await.expect("whole");
        save_record(&saver, "b").await.expect("delta");
        calls.lock().expect("not poisoned").wants_whole = true;
        save_record(&saver, "c").await.expect("whole again");
        calls.lock().expect("not poisoned").wants_whole = false;
        save_record(&saver, "d").await.expect("delta");
        let calls = calls.lock().expect("not poisoned");
        assert_eq!(calls.writes.len(), 2);
        let whole = &calls.writes[1];
        assert_eq!(whole.serial, 3, "the serial after the last step stored");
        assert_eq!(whole.resources.len(), 3, "a, b and c");
        let serials: Vec<u64> = calls.deltas.iter().map(|delta| delta.serial).collect();
        assert_eq!(serials, vec![2, 4]);
        assert_eq!(
            calls.deltas[1].upserted,
            vec![record("d")],
            "the step after the whole write carries only what changed since"
        );
        assert_eq!(saver.snapshot().serial, 4);
    }
}
