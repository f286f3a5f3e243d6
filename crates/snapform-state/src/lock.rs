//! Lock information, kept where a refused user can read it (a file beside the local state, a
//! row of the `pg` backend's `locks` table), and the guard that holds a lock.

use serde::{Deserialize, Serialize};

/// Who holds a lock, and for what (Terraform's `.terraform.tfstate.lock.info` fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LockInfo {
    /// A unique ID, given to `force-unlock`.
    #[serde(rename = "ID")]
    pub id: String,
    /// The command (`plan`, `apply`, ...).
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// snapform's version.
    pub version: String,
    /// When it was taken (RFC 3339).
    pub created: String,
    /// The locked state.
    pub path: String,
    /// The holding process, so a stale lock can be told from a live one.
    #[serde(default)]
    pub pid: u32,
}

impl std::fmt::Display for LockInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} running `{}` since {} (lock ID {}, pid {})",
            self.who, self.operation, self.created, self.id, self.pid
        )
    }
}

/// A lock a backend holds, released once, when its [`LockGuard`] is dropped.
pub(crate) trait Held: Send {
    /// Gives the lock up and removes its lock info.
    fn release(self: Box<Self>);
}

/// Holds a lock until dropped.
pub struct LockGuard {
    /// Invariant: `Some` until dropped.
    held: Option<Box<dyn Held>>,
}

impl LockGuard {
    pub(crate) fn new(held: impl Held + 'static) -> LockGuard {
        LockGuard {
            held: Some(Box::new(held)),
        }
    }
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockGuard")
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(held) = self.held.take() {
            held.release();
        }
    }
}

/// The local backend's lock: an OS lock on a file, and the lock-info file beside the state.
pub(crate) struct FileLock {
    pub(crate) file: std::fs::File,
    pub(crate) info_path: std::path::PathBuf,
}

impl Held for FileLock {
    fn release(self: Box<Self>) {
        let _ = std::fs::remove_file(&self.info_path);
        let _ = self.file.unlock();
    }
}
