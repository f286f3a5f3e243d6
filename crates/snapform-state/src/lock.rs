//! Lock information, written beside the state so that whoever is refused knows who holds it.

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

/// Holds a lock until dropped.
pub struct LockGuard {
    pub(crate) file: Option<std::fs::File>,
    pub(crate) info_path: std::path::PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let _ = std::fs::remove_file(&self.info_path);
            let _ = file.unlock();
        }
    }
}
