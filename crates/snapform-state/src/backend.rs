//! Where the state lives.
//!
//! The [`Backend`] trait has two ways to store a state: [`Backend::write`] replaces it whole
//! (`state push`, `import`, `state rm`, the first save of a run), and [`Backend::save`] stores
//! one step's [`StateDelta`], refused unless it follows the stored state (same lineage, next
//! serial). Apply saves after every step, so `save` must cost what the step changed; a backend
//! that cannot store changes in place may fall back to the provided read-apply-write.
//!
//! The local backend keeps `snapform.tfstate` beside the configuration:
//! - whole writes are atomic (temporary file, fsync, rename, fsync of the directory);
//! - steps are appended to `snapform.tfstate.journal` (see [`crate::journal`]) and folded into
//!   the state file at the end of a run ([`Backend::fold`]), whenever the journal grows past
//!   the state file, and when a command takes the lock and finds a journal left by a crash;
//!   reading always applies the journal, so no command sees a state without its last steps;
//! - the state from before a run is kept as `.backup`, taken before the first overwrite;
//! - every file that holds state (the state, its temporary files, the backup, the journal) is
//!   created readable by its owner only (0600): states hold resource IDs and arguments;
//! - an exclusive OS lock with a lock-info file guards writers;
//! - the `default` workspace's state is the configured file; another workspace's is the file
//!   of the same name in `snapform.tfstate.d/NAME/` beside it (Terraform's
//!   `terraform.tfstate.d` layout).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::journal::{self, Journal};
use crate::lock::{FileLock, LockGuard, LockInfo};
use crate::{Error, State, StateDelta, statefile};

/// The workspace every backend has, which cannot be deleted.
pub const DEFAULT_WORKSPACE: &str = "default";

/// The directory beside the local state file that holds the other workspaces' states.
pub const WORKSPACES_DIR: &str = "snapform.tfstate.d";

/// Refuses a workspace name that cannot name a directory or a row safely: 1 to 90 ASCII
/// letters, digits, `-`, `_` and `.`, not starting with `.`.
pub fn check_workspace_name(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name.len() <= 90
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(Error::Settings {
            reason: format!(
                "{name:?} is not a valid workspace name: use 1 to 90 letters, digits, `-`, `_` and `.`, not starting with `.`"
            ),
        })
    }
}

/// A place to keep state: one state per workspace. [`LocalBackend`] and
/// [`crate::PgBackend`] implement it; each instance stores the state of one workspace.
pub trait Backend {
    /// The state, or `None` when none was ever written. It includes every step saved, even
    /// those not folded yet.
    fn read(&self) -> Result<Option<State>, Error>;
    /// Replaces the state; its serial must already be set.
    fn write(&mut self, state: &State) -> Result<(), Error>;
    /// Stores one step: `delta` must follow the stored state (the same lineage, the serial
    /// after the stored one), or it is refused with [`Error::Conflict`] and nothing changes.
    ///
    /// Provided as read, apply, write: correct for any backend, but it costs the whole state
    /// per step, so a backend that can store a change in place overrides it.
    fn save(&mut self, delta: &StateDelta) -> Result<(), Error> {
        let mut state = self.read()?.ok_or_else(|| Error::Missing {
            location: self.describe(),
        })?;
        state.apply_delta(delta)?;
        self.write(&state)
    }
    /// Whether the next step had better replace the whole state ([`Backend::write`]) than be
    /// stored on its own: a local journal that outgrew its state file. The caller holds the
    /// state that step leads to, so writing it costs less than folding the journal into the
    /// state read back from the files. Backends that store each step in place never want it.
    fn wants_whole(&self) -> bool {
        false
    }
    /// Folds the steps saved since the last whole write into the stored state; called at the
    /// end of a run. Backends that store each step in place have nothing to do.
    fn fold(&mut self) -> Result<(), Error> {
        Ok(())
    }
    /// [`Backend::fold`], given the state the saved steps led to, which the caller holds at
    /// the end of a run: a backend that would read its stored state back to fold it writes
    /// this one instead. Backends that store each step in place have nothing to do.
    fn fold_with(&mut self, stored: &State) -> Result<(), Error> {
        let _ = stored;
        self.fold()
    }
    /// Takes the exclusive lock, waiting up to `timeout`.
    fn lock(&self, info: LockInfo, timeout: Duration) -> Result<LockGuard, Error>;
    /// Removes a stale lock whose holder is gone.
    fn force_unlock(&self, id: &str) -> Result<(), Error>;
    /// Where the state is, for messages.
    fn describe(&self) -> String;
    /// The workspaces whose states the backend's storage holds: `default` first, then the
    /// others by name.
    fn workspaces(&self) -> Result<Vec<String>, Error> {
        Ok(vec![DEFAULT_WORKSPACE.to_owned()])
    }
    /// Deletes the state of this backend's workspace, which is not `default`; the caller holds
    /// its lock and has checked that it records nothing (or was told to go ahead anyway).
    fn delete_workspace(&mut self) -> Result<(), Error> {
        Err(Error::Settings {
            reason: format!("{} has no workspaces to delete", self.describe()),
        })
    }
}

/// A journal smaller than this is not folded during a run, even when it is larger than the
/// state file: a small state would otherwise be rewritten at nearly every step.
const FOLD_FLOOR: u64 = 1 << 20;
/// How many times the size at which it wants the whole state written a journal may grow
/// before [`Backend::save`] folds it from the files itself, for a caller that never writes it.
const FOLD_SELF_FACTOR: u64 = 2;

/// The state file on the local disk.
#[derive(Debug)]
pub struct LocalBackend {
    path: PathBuf,
    /// The `default` workspace's state file, beside which the other workspaces live.
    default_path: PathBuf,
    /// The workspace whose state `path` is.
    workspace: String,
    /// Whether this run already kept a backup: the backup holds the state from before the run.
    backed_up: bool,
    /// What this process last stored, once it wrote, saved or folded.
    tail: Option<Tail>,
    /// See [`FOLD_FLOOR`]; smaller in tests.
    fold_floor: u64,
}

/// The stored state as this process left it: where the next step goes.
#[derive(Debug)]
struct Tail {
    lineage: String,
    /// The serial of the last step stored (in the state file or the journal).
    serial: u64,
    /// The size of the state file, against which the journal's size is measured.
    state_len: u64,
    /// The journal this process appends to, once it has written a record.
    journal: Option<OpenJournal>,
}

#[derive(Debug)]
struct OpenJournal {
    file: File,
    /// Bytes written; the file must still have exactly this many.
    len: u64,
    /// The file's identity (device, inode), to notice that another process replaced it.
    identity: (u64, u64),
}

/// What a fold left.
struct Folded {
    /// The state, as the state file now has it.
    state: State,
    /// The size of the state file.
    state_len: u64,
    /// Whether the state file was kept as the backup before it was replaced.
    backed_up: bool,
}

/// How far a fold goes; tests stop it early to play a crash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum FoldStep {
    /// The folded state is written to a temporary file, which a crash leaves behind.
    TempWritten,
    /// The folded state replaced the state file; the journal is still there.
    Renamed,
    /// The journal is removed.
    Done,
}

impl LocalBackend {
    /// The state at `path`, the `default` workspace's.
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        let path = path.into();
        LocalBackend {
            default_path: path.clone(),
            path,
            workspace: DEFAULT_WORKSPACE.to_owned(),
            backed_up: false,
            tail: None,
            fold_floor: FOLD_FLOOR,
        }
    }

    /// The state of `workspace`, when `default_path` is the `default` workspace's state file:
    /// `default_path` itself, or `snapform.tfstate.d/WORKSPACE/` and the same file name beside
    /// it.
    pub fn for_workspace(
        default_path: impl Into<PathBuf>,
        workspace: &str,
    ) -> Result<LocalBackend, Error> {
        let default_path = default_path.into();
        if workspace == DEFAULT_WORKSPACE {
            return Ok(LocalBackend::new(default_path));
        }
        check_workspace_name(workspace)?;
        let path = workspaces_dir(&default_path).join(workspace).join(
            default_path
                .file_name()
                .unwrap_or("snapform.tfstate".as_ref()),
        );
        Ok(LocalBackend {
            path,
            default_path,
            workspace: workspace.to_owned(),
            ..LocalBackend::new(PathBuf::new())
        })
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal of steps not yet folded into the state file.
    pub fn journal_path(&self) -> PathBuf {
        self.sibling(".journal")
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
        io_error(action, path)
    }

    fn read_lock_info(&self) -> Option<LockInfo> {
        let text = std::fs::read_to_string(self.lock_info_path()).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The state file's text and its state, or `None` when there is no state file.
    fn read_state_file(&self) -> Result<Option<(String, State)>, Error> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => {
                let state = statefile::decode(&self.path, &text)?;
                Ok(Some((text, state)))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.io("read", &self.path)(error)),
        }
    }

    /// The journal's records, or `None` when there is no journal.
    fn read_journal(&self) -> Result<Option<Journal>, Error> {
        let path = self.journal_path();
        match std::fs::read(&path) {
            Ok(bytes) => journal::decode(&path, &bytes).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(self.io("read", &path)(error)),
        }
    }

    /// The state file with the journal applied: the state file's text (for the backup), the
    /// state, the journal, and how many records were applied.
    #[expect(clippy::type_complexity, reason = "a private helper's tuple")]
    fn read_all(&self) -> Result<Option<(String, State, Option<Journal>, usize)>, Error> {
        // The journal first: if another process folds it meanwhile, the state file read next
        // already has its records, which replay skips. Read the other way round, the journal
        // could be gone and the state file still old.
        let journal = self.read_journal()?;
        let Some((text, mut state)) = self.read_state_file()? else {
            if journal.is_some() {
                return Err(Error::Journal {
                    path: self.journal_path(),
                    reason: format!(
                        "there is no state file {} for it to change",
                        self.path.display()
                    ),
                });
            }
            return Ok(None);
        };
        let n_applied = match &journal {
            Some(journal) => journal::replay(&self.journal_path(), journal, &mut state)?,
            None => 0,
        };
        Ok(Some((text, state, journal, n_applied)))
    }

    /// Folds the journal into the state file, up to `until`; `None` when there is no journal.
    /// With `back_up`, the state file is kept as the run's backup before it is replaced.
    ///
    /// Crash safe at every step: until the rename the state file is untouched; after it, the
    /// journal's records all have serials the state file has, so reading skips them.
    fn fold_files(&self, back_up: bool, until: FoldStep) -> Result<Option<Folded>, Error> {
        let journal_path = self.journal_path();
        if !journal_path.exists() {
            return Ok(None);
        }
        let Some((text, state, _, n_applied)) = self.read_all()? else {
            return Ok(None);
        };
        let mut res = Folded {
            state_len: text.len() as u64,
            state,
            backed_up: false,
        };
        if n_applied > 0 {
            if back_up {
                replace_file(&self.sibling(".backup"), text.as_bytes())?;
                res.backed_up = true;
            }
            let folded = statefile::encode(&res.state);
            res.state_len = folded.len() as u64;
            let dir = directory_of(&self.path);
            let mut temp = private_temp_in(dir)?;
            temp.write_all(folded.as_bytes())
                .map_err(self.io("write", &self.path))?;
            temp.as_file()
                .sync_all()
                .map_err(self.io("write", &self.path))?;
            if until == FoldStep::TempWritten {
                temp.keep()
                    .map_err(|error| self.io("write", &self.path)(error.error))?;
                return Ok(Some(res));
            }
            temp.persist(&self.path)
                .map_err(|error| self.io("write", &self.path)(error.error))?;
            sync_dir(dir);
            if until == FoldStep::Renamed {
                return Ok(Some(res));
            }
        }
        remove_journal(&journal_path)?;
        Ok(Some(res))
    }

    /// Folds as [`Backend::fold`] does, stopping at `until`.
    fn fold_until(&mut self, until: FoldStep) -> Result<(), Error> {
        let back_up = !self.backed_up;
        // The journal is closed before it is removed.
        if let Some(tail) = &mut self.tail {
            tail.journal = None;
        }
        match self.fold_files(back_up, until) {
            Ok(Some(folded)) => {
                self.backed_up |= folded.backed_up;
                self.tail = Some(Tail {
                    lineage: folded.state.lineage,
                    serial: folded.state.serial,
                    state_len: folded.state_len,
                    journal: None,
                });
                Ok(())
            }
            // No journal: if this process thought it had one, someone else removed it, so
            // the next save reads what is stored before it appends.
            Ok(None) => {
                self.tail = None;
                Ok(())
            }
            Err(error) => {
                self.tail = None;
                Err(error)
            }
        }
    }

    /// What is stored now, read from the files when this process has not written yet.
    fn tail(&mut self) -> Result<&mut Tail, Error> {
        if self.tail.is_none() {
            let Some((text, state, journal, _)) = self.read_all()? else {
                return Err(Error::Missing {
                    location: self.describe(),
                });
            };
            let journal = match journal {
                Some(journal) => Some(self.open_journal(Some(journal.valid_len))?),
                None => None,
            };
            self.tail = Some(Tail {
                lineage: state.lineage,
                serial: state.serial,
                state_len: text.len() as u64,
                journal,
            });
        }
        Ok(self.tail.as_mut().expect("set above"))
    }

    /// Opens the journal for appending: the existing one, cut to its intact records
    /// (`Some(valid_len)`), or a new one.
    fn open_journal(&self, existing: Option<u64>) -> Result<OpenJournal, Error> {
        let path = self.journal_path();
        let mut options = std::fs::OpenOptions::new();
        options.append(true);
        match existing {
            Some(_) => {}
            // Another process's journal is never appended to by mistake.
            None => {
                options.create_new(true);
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(self.io("write", &path))?;
        let len = match existing {
            Some(valid_len) => {
                // A torn last record is cut off before anything is appended after it.
                file.set_len(valid_len).map_err(self.io("write", &path))?;
                file.sync_all().map_err(self.io("write", &path))?;
                valid_len
            }
            None => {
                // The new file's name must survive a crash, as its records will.
                sync_dir(directory_of(&path));
                0
            }
        };
        let metadata = file.metadata().map_err(self.io("read", &path))?;
        Ok(OpenJournal {
            file,
            len,
            identity: identity(&metadata),
        })
    }

    /// Appends `record` to the journal and makes it durable.
    fn append(&mut self, record: &[u8]) -> Result<(), Error> {
        let path = self.journal_path();
        let needs_new = self.tail()?.journal.is_none();
        if needs_new {
            let opened = self.open_journal(None)?;
            self.tail()?.journal = Some(opened);
        }
        let tail = self.tail()?;
        let journal = tail.journal.as_mut().expect("opened above");
        // Another process that wrote the state (with -lock=false) replaced or removed the
        // journal, or appended to it: refuse rather than write steps after someone else's.
        let current = std::fs::metadata(&path).ok();
        if current
            .as_ref()
            .is_none_or(|meta| identity(meta) != journal.identity || meta.len() != journal.len)
        {
            let (lineage, serial) = (tail.lineage.clone(), tail.serial);
            self.tail = None;
            return Err(Error::Conflict {
                lineage: lineage.clone(),
                serial: serial + 1,
                stored_lineage: lineage,
                stored_serial: serial,
            });
        }
        let written = journal
            .file
            .write_all(record)
            .and_then(|()| journal.file.sync_data());
        match written {
            Ok(()) => {
                journal.len += record.len() as u64;
                Ok(())
            }
            Err(error) => {
                // Cut off what part of the record was written, so no later record follows a
                // damaged one; if even that fails, the next save reads the journal again and
                // cuts it there.
                let _ = journal.file.set_len(journal.len);
                self.tail = None;
                Err(io_error("write", &path)(error))
            }
        }
    }

    #[cfg(test)]
    fn set_fold_floor(&mut self, floor: u64) {
        self.fold_floor = floor;
    }
}

impl Backend for LocalBackend {
    fn read(&self) -> Result<Option<State>, Error> {
        Ok(self.read_all()?.map(|(_, state, _, _)| state))
    }

    fn write(&mut self, state: &State) -> Result<(), Error> {
        if !self.backed_up {
            // Keep what was there before this run; never copy a file we cannot read as state.
            // The backup is taken before the first overwrite: a first write onto no file
            // overwrites nothing, so the next write (or fold) backs up what it wrote.
            // Both read as they stream: a fleet's state is not held whole to be copied.
            if let Ok(previous) = File::open(&self.path) {
                if statefile::is_readable_from(std::io::BufReader::with_capacity(1 << 16, previous))
                {
                    let mut previous =
                        File::open(&self.path).map_err(self.io("read", &self.path))?;
                    replace_file_with(&self.sibling(".backup"), |out| {
                        std::io::copy(&mut previous, out).map(|_| ())
                    })?;
                }
                self.backed_up = true;
            }
        }
        create_dir_of(&self.path)?;
        // The journal is closed before the state it led to is replaced.
        self.tail = None;
        let state_len = replace_file_with(&self.path, |out| statefile::encode_to(state, out))?;
        // The state written has every step: the journal's records all have smaller serials,
        // so a crash before it is removed leaves records that reading skips.
        remove_journal(&self.journal_path())?;
        self.tail = Some(Tail {
            lineage: state.lineage.clone(),
            serial: state.serial,
            state_len,
            journal: None,
        });
        Ok(())
    }

    fn save(&mut self, delta: &StateDelta) -> Result<(), Error> {
        let tail = self.tail()?;
        if delta.lineage != tail.lineage || Some(delta.serial) != tail.serial.checked_add(1) {
            return Err(Error::Conflict {
                lineage: delta.lineage.clone(),
                serial: delta.serial,
                stored_lineage: tail.lineage.clone(),
                stored_serial: tail.serial,
            });
        }
        self.append(&journal::encode_record(delta))?;
        let floor = self.fold_floor;
        let tail = self.tail()?;
        tail.serial = delta.serial;
        let journal_len = tail.journal.as_ref().map_or(0, |journal| journal.len);
        if journal_len > tail.state_len.max(floor).saturating_mul(FOLD_SELF_FACTOR) {
            self.fold_until(FoldStep::Done)?;
        }
        Ok(())
    }

    fn wants_whole(&self) -> bool {
        self.tail.as_ref().is_some_and(|tail| {
            let journal_len = tail.journal.as_ref().map_or(0, |journal| journal.len);
            journal_len > tail.state_len.max(self.fold_floor)
        })
    }

    fn fold(&mut self) -> Result<(), Error> {
        self.fold_until(FoldStep::Done)
    }

    /// Writes `stored` when it is what this process stored last (its lineage and serial), so
    /// a fleet's state is not read back from the files to be folded; folds from the files
    /// otherwise.
    fn fold_with(&mut self, stored: &State) -> Result<(), Error> {
        let is_last_stored = self
            .tail
            .as_ref()
            .is_some_and(|tail| tail.lineage == stored.lineage && tail.serial == stored.serial);
        if !is_last_stored {
            return self.fold();
        }
        if !self.journal_path().exists() {
            return Ok(());
        }
        self.write(stored)
    }

    fn lock(&self, mut info: LockInfo, timeout: Duration) -> Result<LockGuard, Error> {
        create_dir_of(&self.path)?;
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
        let guard = LockGuard::new(FileLock { file, info_path });
        // A run that crashed left its journal: fold it now that no one else writes, before the
        // lock holder reads. If it cannot be folded, the lock is released with the error.
        self.fold_files(false, FoldStep::Done)?;
        Ok(guard)
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

    fn workspaces(&self) -> Result<Vec<String>, Error> {
        let dir = workspaces_dir(&self.default_path);
        let mut res = Vec::new();
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                for entry in entries {
                    let entry = entry.map_err(self.io("read", &dir))?;
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if entry.path().is_dir() && check_workspace_name(&name).is_ok() {
                        res.push(name);
                    }
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(self.io("read", &dir)(error)),
        }
        res.retain(|name| name != DEFAULT_WORKSPACE);
        res.sort();
        res.insert(0, DEFAULT_WORKSPACE.to_owned());
        Ok(res)
    }

    fn delete_workspace(&mut self) -> Result<(), Error> {
        if self.workspace == DEFAULT_WORKSPACE {
            return Err(Error::Settings {
                reason: "the default workspace cannot be deleted".to_owned(),
            });
        }
        let dir = directory_of(&self.path).to_owned();
        self.tail = None;
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {
                sync_dir(directory_of(&dir));
                Ok(())
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(self.io("write", &dir)(error)),
        }
    }
}

/// The directory of the workspaces other than `default`, beside `default_path`.
fn workspaces_dir(default_path: &Path) -> PathBuf {
    directory_of(default_path).join(WORKSPACES_DIR)
}

/// Creates the directory a workspace's files go in, readable by its owner only.
fn create_dir_of(path: &Path) -> Result<(), Error> {
    let dir = directory_of(path);
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io_error("write", dir))
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_owned();
    move |source| Error::Io {
        action,
        path,
        source,
    }
}

fn directory_of(path: &Path) -> &Path {
    path.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A temporary file in `dir` that only its owner can read, whatever the umask.
fn private_temp_in(dir: &Path) -> Result<tempfile::NamedTempFile, Error> {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    builder.tempfile_in(dir).map_err(io_error("write", dir))
}

/// Replaces `path` with `bytes` atomically and durably (temporary file, fsync, rename, fsync
/// of the directory); the file is private to its owner.
fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    replace_file_with(path, |out| out.write_all(bytes)).map(|_| ())
}

/// [`replace_file`] with what `write` writes, through a buffer; returns the file's size.
fn replace_file_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&mut File>) -> std::io::Result<()>,
) -> Result<u64, Error> {
    let dir = directory_of(path);
    let mut temp = private_temp_in(dir)?;
    let len = {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, temp.as_file_mut());
        write(&mut out)
            .and_then(|()| out.flush())
            .map_err(io_error("write", path))?;
        drop(out);
        temp.as_file()
            .metadata()
            .map_err(io_error("write", path))?
            .len()
    };
    temp.as_file().sync_all().map_err(io_error("write", path))?;
    temp.persist(path)
        .map_err(|error| io_error("write", path)(error.error))?;
    sync_dir(dir);
    Ok(len)
}

/// Removes the journal, durably; a missing journal is fine.
fn remove_journal(path: &Path) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Ok(()) => {
            sync_dir(directory_of(path));
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(io_error("write", path)(error)),
    }
}

/// A rename or removal is durable only once the directory is synced; systems that cannot sync
/// a directory do without.
fn sync_dir(dir: &Path) {
    if let Ok(dir_handle) = File::open(dir) {
        let _ = dir_handle.sync_all();
    }
}

fn identity(metadata: &std::fs::Metadata) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (metadata.dev(), metadata.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        (0, 0)
    }
}

#[cfg(test)]
mod tests;
