//! The state snapform records about real resources, the versioned `snapform.tfstate` format,
//! and the backends that store it under a lock.
//!
//! Only this crate knows the layout of the state file and of the local journal. It does not
//! talk to clouds: refresh and apply produce new [`State`] values, or during apply one
//! [`StateDelta`] per step (edits made through a [`TrackedState`]), and hand them to a
//! [`Backend`].
//!
//! [`terraform`] reads Terraform's own state files and converts them, for `state push` and
//! `init -migrate-state` of a team moving from Terraform.
//!
//! Two backends exist: [`LocalBackend`] (the state file beside the configuration, with its
//! journal) and [`PgBackend`] (rows in PostgreSQL, for teams). Both store one state per
//! workspace. The `pg` backend talks to the database from a thread of its own with its own
//! async runtime, so that the synchronous [`Backend`] methods can be called from anywhere,
//! inside a tokio runtime (apply saves from async tasks) or not.

mod backend;
mod by_addr;
mod delta;
pub mod journal;
mod lock;
mod model;
mod pg;
pub mod statefile;
pub mod terraform;

pub use backend::{Backend, DEFAULT_WORKSPACE, LocalBackend, WORKSPACES_DIR, check_workspace_name};
pub use by_addr::{Addressed, ByAddr};
pub use delta::{DeposedKey, StateDelta, TrackedState};
pub use lock::{LockGuard, LockInfo};
pub use model::{Intent, Operation, RecordStatus, ResourceRecord, State};
pub use pg::{DEFAULT_SCHEMA, PgBackend, PgSettings, check_schema_name};

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
    /// The file is a Terraform state, where a snapform state was expected.
    #[error(
        "{path} is a Terraform state, not a snapform one: convert it with `snapform state push {path}` (or `snapform init -migrate-state` for Terraform's terraform.tfstate)"
    )]
    IsTerraformState {
        /// The file.
        path: PathBuf,
    },
    /// A Terraform state that cannot be converted into a snapform state.
    #[error("cannot convert the Terraform state {path}: {reason}")]
    TerraformState {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
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
    /// The journal of saved steps beside the state file cannot be applied to it: damaged in a
    /// way an interrupted write cannot explain, or written for another state.
    #[error(
        "the state journal {path} cannot be used, so the state is refused and nothing was overwritten: {reason}"
    )]
    Journal {
        /// The journal.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// A save that does not follow the stored state: another process wrote it meanwhile.
    #[error(
        "cannot save serial {serial} of lineage {lineage}: the stored state is serial {stored_serial} of lineage {stored_lineage}, so another process wrote it meanwhile; nothing was saved"
    )]
    Conflict {
        /// The lineage of the state being saved.
        lineage: String,
        /// The serial being saved.
        serial: u64,
        /// The lineage stored.
        stored_lineage: String,
        /// The serial stored.
        stored_serial: u64,
    },
    /// A step was saved where no state is stored.
    #[error("there is no state at {location} to save a step to")]
    Missing {
        /// Where the state should be.
        location: String,
    },
    /// The stored state cannot be read: a row of the `pg` backend does not hold what it should.
    #[error("the state in {location} is corrupt: {reason}")]
    CorruptRows {
        /// Where the state is.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// A newer snapform wrote the stored state, or laid out its tables.
    #[error(
        "the {what} in {location} has version {found}, but this snapform reads version {supported} and older"
    )]
    NewerStored {
        /// The state's format, or the layout of the tables.
        what: &'static str,
        /// Where the state is.
        location: String,
        /// The stored version.
        found: u64,
        /// The newest this build reads.
        supported: u64,
    },
    /// The database could not be reached, or stopped answering; retrying may succeed.
    #[error("cannot reach the state database ({location})")]
    Unreachable {
        /// Where the state is (never the connection string, which may hold a password).
        location: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database refused a statement.
    #[error("cannot {action} in the state database ({location})")]
    Database {
        /// What was being done.
        action: &'static str,
        /// Where the state is.
        location: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The lock was lost while the database was away, and another session holds it now.
    #[error(
        "the state lock was lost while the database was away, and {holder} holds it now; nothing more was saved"
    )]
    LockLost {
        /// Who holds it now.
        holder: Box<LockInfo>,
    },
    /// A backend setting or a workspace name that cannot be used.
    #[error("{reason}")]
    Settings {
        /// What is wrong, and what is allowed.
        reason: String,
    },
    /// A save that was not tried, because an earlier one of the same run failed.
    #[error("not saved, because an earlier save of this run failed: {reason}")]
    EarlierSaveFailed {
        /// Why the earlier save failed.
        reason: String,
    },
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
