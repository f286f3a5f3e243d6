//! The state snapform records about real resources, the versioned `snapform.tfstate` format,
//! and the backends that store it under a lock.
//!
//! Only this crate knows the layout of the state file. It does not talk to clouds: refresh and
//! apply produce new [`State`] values and hand them to a [`Backend`].

mod backend;
mod by_addr;
mod lock;
mod model;
pub mod statefile;

pub use backend::{Backend, LocalBackend};
pub use by_addr::{Addressed, ByAddr};
pub use lock::{LockGuard, LockInfo};
pub use model::{Intent, Operation, RecordStatus, ResourceRecord, State};

use std::path::PathBuf;

/// Why the state could not be read, written or locked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not a state file snapform can read (truncated, not JSON, wrong fields).
    #[error("the state file {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A newer snapform wrote it.
    #[error(
        "the state file {path} has format version {found}, but this snapform reads version {supported} and older"
    )]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// The file's version.
        found: u64,
        /// The newest this build reads.
        supported: u64,
    },
    /// Someone else holds the lock.
    #[error("the state is locked by {holder}")]
    Locked {
        /// Who holds it, when, and for what (from the lock info).
        holder: Box<LockInfo>,
    },
    /// `force-unlock` was given another lock's ID.
    #[error("lock ID {given:?} does not match the lock held ({actual:?})")]
    LockIdMismatch {
        /// The ID given.
        given: String,
        /// The ID of the lock that is held.
        actual: String,
    },
    /// A running process holds the lock, so it cannot be forced.
    #[error(
        "the lock is held by a running process ({holder}); local locks cannot be broken while their holder runs"
    )]
    LockHeldByRunningProcess {
        /// Who holds it.
        holder: Box<LockInfo>,
    },
    /// There is no lock to force.
    #[error("the state is not locked")]
    NotLocked,
    /// Reading or writing failed.
    #[error("cannot {action} {path}")]
    Io {
        /// What was being done (`read`, `write`, `lock`).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
