//! Saving the state after every step, with group commits: a step changes the state in memory
//! and waits until a write that includes its change is durable. Steps that finish together
//! share one write, so a thousand creates do not mean three thousand serial fsyncs.

use std::sync::Mutex;

use snapform_state::{Backend, State};

/// The state being applied, and the backend it is saved to.
pub struct Saver {
    /// The state in memory and the number of changes made to it.
    current: Mutex<(State, u64)>,
    /// The backend and the last change number written; one writer at a time.
    writer: tokio::sync::Mutex<Writer>,
}

struct Writer {
    backend: Box<dyn Backend + Send>,
    saved: u64,
    serial: u64,
}

impl Saver {
    /// Starts from `state`; writes go to `backend` with serials after `state.serial`.
    pub fn new(state: State, backend: Box<dyn Backend + Send>) -> Saver {
        let serial = state.serial;
        Saver {
            current: Mutex::new((state, 0)),
            writer: tokio::sync::Mutex::new(Writer {
                backend,
                saved: 0,
                serial,
            }),
        }
    }

    /// Changes the state in memory; returns the change's number.
    pub fn change(&self, edit: impl FnOnce(&mut State)) -> u64 {
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
    pub fn snapshot(&self) -> State {
        self.current
            .lock()
            .expect("the state's lock is never poisoned")
            .0
            .clone()
    }

    /// Waits until change `number` (and every change before it) is written.
    pub async fn flush(&self, number: u64) -> Result<(), snapform_state::Error> {
        let mut writer = self.writer.lock().await;
        if writer.saved >= number {
            return Ok(());
        }
        let (mut state, latest) = {
            let current = self
                .current
                .lock()
                .expect("the state's lock is never poisoned");
            (current.0.clone(), current.1)
        };
        writer.serial += 1;
        state.serial = writer.serial;
        writer.backend.write(&state)?;
        writer.saved = latest;
        self.current
            .lock()
            .expect("the state's lock is never poisoned")
            .0
            .serial = writer.serial;
        Ok(())
    }

    /// Changes the state and waits until the change is written.
    pub async fn save(&self, edit: impl FnOnce(&mut State)) -> Result<(), snapform_state::Error> {
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
            state.outputs.insert("a".into(), Value::string("1"));
        });
        saver.change(|state| {
            state.outputs.insert("b".into(), Value::string("2"));
        });
        saver.flush(first).await.expect("written");
        // The write that made `first` durable carried the change after it too.
        assert_eq!(saved_serial(&path), 6);
        saver.flush_all().await.expect("nothing left to write");
        assert_eq!(saved_serial(&path), 6);
        assert_eq!(saver.snapshot().serial, 6);
        assert_eq!(saver.read(|state| state.outputs.len()), 2);

        saver
            .save(|state| state.outputs.clear())
            .await
            .expect("written");
        assert_eq!(saved_serial(&path), 7);
        let saved = LocalBackend::new(&path).read().expect("r").expect("w");
        assert!(saved.outputs.is_empty());
        assert_eq!(saver.snapshot().serial, 7);
    }
}
