//! Where the state lives. The local backend keeps `snapform.tfstate` beside the configuration:
//! atomic writes (temporary file, fsync, rename, fsync of the directory), the previous version
//! kept as `.backup`, and an exclusive OS lock with a lock-info file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::lock::{LockGuard, LockInfo};
use crate::{Error, State, statefile};

/// A place to keep state. A PostgreSQL backend implements the same trait.
pub trait Backend {
    /// The state, or `None` when none was ever written.
    fn read(&self) -> Result<Option<State>, Error>;
    /// Replaces the state; its serial must already be set.
    fn write(&mut self, state: &State) -> Result<(), Error>;
    /// Takes the exclusive lock, waiting up to `timeout`.
    fn lock(&self, info: LockInfo, timeout: Duration) -> Result<LockGuard, Error>;
    /// Removes a stale lock whose holder is gone.
    fn force_unlock(&self, id: &str) -> Result<(), Error>;
    /// Where the state is, for messages.
    fn describe(&self) -> String;
}

/// The state file on the local disk.
#[derive(Debug)]
pub struct LocalBackend {
    path: PathBuf,
    /// Whether this run already kept a backup: the backup holds the state from before the run.
    backed_up: bool,
}

impl LocalBackend {
    /// The state at `path`.
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        LocalBackend {
            path: path.into(),
            backed_up: false,
        }
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|name| name.to_os_string())
            .unwrap_or_default();
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn lock_path(&self) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.path.with_file_name(format!(".{name}.lock"))
    }

    /// The lock-info file beside the state.
    pub fn lock_info_path(&self) -> PathBuf {
        self.sibling(".lock.info")
    }

    fn io(&self, action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_owned();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }

    fn read_lock_info(&self) -> Option<LockInfo> {
        let text = std::fs::read_to_string(self.lock_info_path()).ok()?;
        serde_json::from_str(&text).ok()
    }
}

fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

impl Backend for LocalBackend {
    fn read(&self) -> Result<Option<State>, Error> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => statefile::decode(&self.path, &text).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.io("read", &self.path)(error)),
        }
    }

    fn write(&mut self, state: &State) -> Result<(), Error> {
        let dir = directory_of(&self.path);
        if !self.backed_up {
            // Keep what was there before this run; never copy a file we cannot read as state.
            // The backup is taken before the first overwrite: a first write onto no file
            // overwrites nothing, so the next write backs up what it wrote.
            if let Ok(previous) = std::fs::read_to_string(&self.path) {
                if statefile::decode(&self.path, &previous).is_ok() {
                    let backup = self.sibling(".backup");
                    std::fs::write(&backup, previous).map_err(self.io("write", &backup))?;
                }
                self.backed_up = true;
            }
        }
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(self.io("write", dir))?;
        temp.write_all(statefile::encode(state).as_bytes())
            .map_err(self.io("write", &self.path))?;
        temp.as_file()
            .sync_all()
            .map_err(self.io("write", &self.path))?;
        temp.persist(&self.path)
            .map_err(|error| self.io("write", &self.path)(error.error))?;
        // The rename is durable only once the directory is synced.
        if let Ok(dir_handle) = std::fs::File::open(dir) {
            let _ = dir_handle.sync_all();
        }
        Ok(())
    }

    fn lock(&self, mut info: LockInfo, timeout: Duration) -> Result<LockGuard, Error> {
        let lock_path = self.lock_path();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(self.io("lock", &lock_path))?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {
                    if started.elapsed() >= timeout {
                        let holder = self.read_lock_info().unwrap_or_else(|| LockInfo {
                            id: "unknown".to_owned(),
                            operation: "unknown".to_owned(),
                            who: "another process".to_owned(),
                            version: String::new(),
                            created: String::new(),
                            path: self.path.display().to_string(),
                            pid: 0,
                        });
                        return Err(Error::Locked {
                            holder: Box::new(holder),
                        });
                    }
                    std::thread::sleep(
                        Duration::from_millis(100).min(
                            timeout
                                .saturating_sub(started.elapsed())
                                .max(Duration::from_millis(1)),
                        ),
                    );
                }
                Err(std::fs::TryLockError::Error(error)) => {
                    return Err(self.io("lock", &lock_path)(error));
                }
            }
        }
        info.path = self.path.display().to_string();
        let info_path = self.lock_info_path();
        let text = serde_json::to_string_pretty(&info).expect("lock info serializes");
        std::fs::write(&info_path, text).map_err(self.io("write", &info_path))?;
        Ok(LockGuard {
            file: Some(file),
            info_path,
        })
    }

    fn force_unlock(&self, id: &str) -> Result<(), Error> {
        let Some(info) = self.read_lock_info() else {
            return Err(Error::NotLocked);
        };
        if info.id != id {
            return Err(Error::LockIdMismatch {
                given: id.to_owned(),
                actual: info.id,
            });
        }
        // The OS lock dies with its process; if it is still held, its holder is alive.
        let lock_path = self.lock_path();
        if let Ok(file) = std::fs::OpenOptions::new().write(true).open(&lock_path) {
            match file.try_lock() {
                Ok(()) => {
                    let _ = file.unlock();
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::LockHeldByRunningProcess {
                        holder: Box::new(info),
                    });
                }
                Err(std::fs::TryLockError::Error(error)) => {
                    return Err(self.io("lock", &lock_path)(error));
                }
            }
        }
        let info_path = self.lock_info_path();
        std::fs::remove_file(&info_path).map_err(self.io("write", &info_path))?;
        Ok(())
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
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
            .err()
            .expect("already locked");
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(
            error.to_string().contains("tester@host running `apply`"),
            "{error}"
        );
        assert!(error.to_string().contains("lock ID first"), "{error}");
        let error = backend
            .lock(info("second"), Duration::from_millis(300))
            .err()
            .expect("still locked");
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
}
