//! The emulator's one error type.

use std::path::PathBuf;

/// The emulator's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A configuration or data file is not valid JSON of the expected form.
    #[error("cannot parse {}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The data file could not be written or locked.
    #[error("cannot persist the cloud to {}", path.display())]
    Persist {
        /// The data file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The data file was written by a newer emulator.
    #[error("{} has data format version {version}, newer than this emulator understands", path.display())]
    DataVersion {
        /// The data file.
        path: PathBuf,
        /// Its format version.
        version: u32,
    },
    /// The data file parses but breaks an invariant of the cloud.
    #[error("{} is not a valid emulator data file: {reason}", path.display())]
    DataInvalid {
        /// The data file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A duration such as `2s` could not be parsed.
    #[error("invalid duration `{0}` (use e.g. 500ms, 2s, 1m)")]
    InvalidDuration(String),
    /// A fault SPEC or JSON could not be parsed.
    #[error("invalid faults: {0}")]
    InvalidFaults(String),
    /// The local CA or the server certificate could not be made or loaded.
    #[error("cannot set up https with {} (remove the CA directory to make a new one)", path.display())]
    Tls {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Binding or accepting on the listener failed.
    #[error("cannot listen")]
    Listen(#[source] std::io::Error),
}
