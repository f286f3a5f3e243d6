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

    /// A copy of the state in memory.
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

    /// The serial of the last write.
    pub async fn serial(&self) -> u64 {
        self.writer.lock().await.serial
    }
}
