//! Persistence of the whole cloud to one JSON file, shared by every process that uses it.
//!
//! Writes are atomic: a temporary file in the same directory, fsync, rename, fsync of the
//! directory. A mutation holds an exclusive OS lock on `FILE.lock` while it reloads (if another
//! process wrote since), changes and saves, so concurrent processes never lose each other's
//! changes. Reads reload when the file's identity (inode, length, modification time) changed.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::cloud::Cloud;
use crate::error::Error;

/// The version of the data file layout; a newer one is refused.
const FORMAT_VERSION: u32 = 1;

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

#[derive(Serialize)]
struct FileRef<'a> {
    format_version: u32,
    cloud: &'a Cloud,
}

#[derive(Deserialize)]
struct FileOwned {
    format_version: u32,
    cloud: Cloud,
}

/// What identifies one written version of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    inode: u64,
    len: u64,
    modified: Option<SystemTime>,
}

fn stamp(path: &Path) -> Option<Stamp> {
    let metadata = fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
    #[cfg(not(unix))]
    let inode = 0;
    Some(Stamp {
        inode,
        len: metadata.len(),
        modified: metadata.modified().ok(),
    })
}

/// The data file and what we last read or wrote.
#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    lock_path: PathBuf,
    seen: Option<Stamp>,
}

/// Holds the cross-process lock until dropped.
#[derive(Debug)]
pub(crate) struct StoreLock {
    _file: File,
}

impl Store {
    /// Opens the file: loads the cloud it holds, or writes `fresh` when there is none yet.
    pub(crate) fn open(path: &Path, fresh: Cloud) -> Result<(Self, Cloud), Error> {
        let lock_path = {
            let mut name = path.as_os_str().to_owned();
            name.push(".lock");
            PathBuf::from(name)
        };
        let mut store = Store {
            path: path.to_owned(),
            lock_path,
            seen: None,
        };
        let _lock = store.lock()?;
        if path.exists() {
            let cloud = store.load()?;
            Ok((store, cloud))
        } else {
            store.save(&fresh)?;
            Ok((store, fresh))
        }
    }

    fn io_error(&self, source: std::io::Error) -> Error {
        Error::Persist {
            path: self.path.clone(),
            source,
        }
    }

    /// Takes the exclusive cross-process lock.
    pub(crate) fn lock(&self) -> Result<StoreLock, Error> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(|source| self.io_error(source))?;
        file.lock().map_err(|source| self.io_error(source))?;
        Ok(StoreLock { _file: file })
    }

    fn load(&mut self) -> Result<Cloud, Error> {
        let before = stamp(&self.path);
        let text = fs::read_to_string(&self.path).map_err(|source| self.io_error(source))?;
        let file: FileOwned = serde_json::from_str(&text).map_err(|source| Error::Parse {
            path: self.path.clone(),
            source,
        })?;
        if file.format_version > FORMAT_VERSION {
            return Err(Error::DataVersion {
                path: self.path.clone(),
                version: file.format_version,
            });
        }
        let mut cloud = file.cloud;
        if let Some(resource) = cloud
            .resources()
            .find(|resource| resource.parents.is_empty())
        {
            return Err(Error::DataInvalid {
                path: self.path.clone(),
                reason: format!("resource {} has no parent", resource.id),
            });
        }
        cloud.reindex();
        self.seen = before;
        Ok(cloud)
    }

    /// Replaces `cloud` with the file's content when another process wrote it since.
    pub(crate) fn refresh(&mut self, cloud: &mut Cloud) -> Result<(), Error> {
        let current = stamp(&self.path);
        if current.is_some() && current != self.seen {
            *cloud = self.load()?;
        }
        Ok(())
    }

    /// Writes atomically: temp file in the same directory, fsync, rename, fsync the directory.
    pub(crate) fn save(&mut self, cloud: &Cloud) -> Result<(), Error> {
        let bytes = serde_json::to_vec(&FileRef {
            format_version: FORMAT_VERSION,
            cloud,
        })
        .expect("the cloud always serialises");
        let dir = self
            .path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = self
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "cloud.json".to_owned());
        let temp = dir.join(format!(
            ".{name}.tmp.{}.{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = (|| {
            let mut file = File::create(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(&temp, &self.path)?;
            if let Ok(dir) = File::open(dir) {
                // Not every platform can fsync a directory; the rename is done either way.
                let _ = dir.sync_all();
            }
            Ok(())
        })();
        if let Err(source) = result {
            let _ = fs::remove_file(&temp);
            return Err(self.io_error(source));
        }
        self.seen = stamp(&self.path);
        Ok(())
    }
}
