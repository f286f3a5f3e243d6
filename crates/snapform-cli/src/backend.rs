//! Which backend and which workspace a command uses.
//!
//! The backend is the configuration's `backend` block, plus what `snapform init` remembered
//! in `.snapform/backend.json` (the `-backend-config` values, kept out of the committed
//! files), plus the environment for a `pg` connection string the two leave out
//! (`SNAPFORM_PG_CONN_STR`, then Terraform's `PG_CONN_STR`). As in Terraform, a block that
//! changed since the last `init` stops every command until `init` has moved the state (or was
//! told not to); so does a backend block that left the default local state behind without an
//! `init`, which would otherwise plan every recorded resource as new.
//!
//! The workspace is `SNAPFORM_WORKSPACE` when set, else the one `workspace select` wrote to
//! `.snapform/environment`, else `default`.
//!
//! `.snapform/backend.json` may hold a connection string with its password, so it is written
//! readable by its owner only (0600), like the state; nothing here ever prints one.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use snapform_config::Backend as BackendBlock;
use snapform_state::{Backend, LocalBackend, PgBackend, PgSettings};

/// What `init` remembers about the backend.
pub const BACKEND_FILE: &str = ".snapform/backend.json";

/// The selected workspace, as `workspace select` and `workspace new` leave it.
pub const ENVIRONMENT_FILE: &str = ".snapform/environment";

/// Where apply writes the state it could not save, for `state push`.
pub const ERRORED_STATE: &str = "snapform.errored.tfstate";

/// The workspace every backend has.
pub const DEFAULT_WORKSPACE: &str = snapform_state::DEFAULT_WORKSPACE;

/// How long a `pg` write keeps trying after the connection was lost, unless
/// `SNAPFORM_PG_RETRY_TIMEOUT` says otherwise.
const DEFAULT_RETRY: Duration = Duration::from_secs(60);

/// A backend's settings.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Settings {
    /// A state file, `path` relative to the configuration directory.
    Local {
        /// The `default` workspace's state file.
        path: String,
    },
    /// PostgreSQL.
    Pg {
        /// From the block or `-backend-config`; `None` leaves it to the environment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conn_str: Option<String>,
        /// The schema of the state tables.
        schema_name: String,
        /// CAs to trust besides the system's (`ca_file`); `None` leaves it to
        /// `SNAPFORM_PG_CA_FILE`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca_file: Option<String>,
    },
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl Settings {
    /// The settings a `backend` block writes.
    pub fn of_block(block: &BackendBlock) -> Settings {
        match block {
            BackendBlock::Local { path } => Settings::Local { path: path.clone() },
            BackendBlock::Pg {
                conn_str,
                schema_name,
                ca_file,
            } => Settings::Pg {
                conn_str: conn_str.as_ref().map(|secret| secret.expose().to_owned()),
                schema_name: schema_name.clone(),
                ca_file: ca_file.clone(),
            },
        }
    }

    /// The default: `snapform.tfstate` beside the configuration.
    pub fn default_local() -> Settings {
        Settings::Local {
            path: "snapform.tfstate".to_owned(),
        }
    }

    /// Sets `-backend-config` values over these settings; refuses keys the backend has not.
    pub fn configure(&mut self, values: &BTreeMap<String, String>) -> anyhow::Result<()> {
        for (key, value) in values {
            match (&mut *self, key.as_str()) {
                (Settings::Local { path }, "path") => *path = value.clone(),
                (Settings::Pg { conn_str, .. }, "conn_str") => *conn_str = Some(value.clone()),
                (Settings::Pg { schema_name, .. }, "schema_name") => {
                    snapform_state::check_schema_name(value)?;
                    *schema_name = value.clone();
                }
                (Settings::Pg { ca_file, .. }, "ca_file") => *ca_file = Some(value.clone()),
                (Settings::Local { .. }, _) => {
                    bail!("-backend-config {key}: the local backend has only `path`")
                }
                (Settings::Pg { .. }, _) => bail!(
                    "-backend-config {key}: the pg backend has only `conn_str`, `schema_name` and `ca_file`"
                ),
            }
        }
        Ok(())
    }

    /// Whether both name the same storage: which CAs are trusted does not move the state.
    pub fn same_storage(&self, other: &Settings) -> bool {
        let storage = |settings: &Settings| match settings {
            Settings::Pg {
                conn_str,
                schema_name,
                ..
            } => Settings::Pg {
                conn_str: conn_str.clone(),
                schema_name: schema_name.clone(),
                ca_file: None,
            },
            local => local.clone(),
        };
        storage(self) == storage(other)
    }

    /// Where the state is, for messages: never the connection string.
    pub fn describe(&self) -> String {
        match self {
            Settings::Local { path } => format!("the local backend ({path})"),
            Settings::Pg { schema_name, .. } => {
                format!("the pg backend (schema {schema_name})")
            }
        }
    }

    /// Opens the state of `workspace`.
    pub fn open(&self, workspace: &str) -> anyhow::Result<Box<dyn Backend + Send>> {
        match self {
            Settings::Local { path } => Ok(Box::new(LocalBackend::for_workspace(
                path.as_str(),
                workspace,
            )?)),
            Settings::Pg {
                conn_str,
                schema_name,
                ca_file,
            } => {
                let ca_file = ca_file
                    .clone()
                    .or_else(|| crate::env::get(crate::env::PG_CA_FILE))
                    .map(std::path::PathBuf::from);
                let conn_str = conn_str
                    .clone()
                    .or_else(|| crate::env::get(crate::env::SNAPFORM_PG_CONN_STR))
                    .or_else(|| crate::env::get(crate::env::PG_CONN_STR))
                    .context(
                        "the pg backend needs a connection string: set conn_str in the backend block, pass -backend-config=conn_str=... to snapform init, or set SNAPFORM_PG_CONN_STR (or PG_CONN_STR)",
                    )?;
                let retry_for = match crate::env::get(crate::env::PG_RETRY_TIMEOUT) {
                    Some(text) => snapform_config::parse_duration(&text).map_err(|why| {
                        anyhow::anyhow!("invalid {}: {why}", crate::env::PG_RETRY_TIMEOUT)
                    })?,
                    None => DEFAULT_RETRY,
                };
                let settings = PgSettings {
                    conn_str: snapform_core::Secret::new(conn_str),
                    schema_name: schema_name.clone(),
                    retry_for,
                    ca_file,
                };
                let backend = PgBackend::connect(&settings, workspace)
                    .context("cannot open the pg backend")?;
                Ok(Box::new(backend))
            }
        }
    }
}

/// What `init` recorded in [`BACKEND_FILE`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Recorded {
    /// The file's format.
    pub version: u32,
    /// A hash of the backend block's settings, to notice that the block changed.
    pub block_hash: String,
    /// The backend's settings when `init` ran, to move the state away from it later.
    pub settings: Settings,
    /// The `-backend-config` values, set over the block by every command.
    #[serde(default)]
    pub backend_config: BTreeMap<String, String>,
}

/// A hash of a backend block's settings.
pub fn block_hash(block: &BackendBlock) -> String {
    let mut hasher = Sha256::new();
    match block {
        BackendBlock::Local { path } => {
            hasher.update(b"local\0");
            hasher.update(path.as_bytes());
        }
        // Not `ca_file`: which CAs are trusted does not change where the state is.
        BackendBlock::Pg {
            conn_str,
            schema_name,
            ca_file: _,
        } => {
            hasher.update(b"pg\0");
            hasher.update(schema_name.as_bytes());
            hasher.update([0]);
            if let Some(conn_str) = conn_str {
                hasher.update(conn_str.expose().as_bytes());
            }
        }
    }
    hex::encode(hasher.finalize())
}

/// What `init` recorded, if it ran here.
pub fn read_recorded() -> anyhow::Result<Option<Recorded>> {
    match std::fs::read_to_string(BACKEND_FILE) {
        Ok(text) => {
            let recorded: Recorded = serde_json::from_str(&text).with_context(|| {
                format!("{BACKEND_FILE} is not readable; run `snapform init` again")
            })?;
            Ok(Some(recorded))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error).with_context(|| format!("cannot read {BACKEND_FILE}")),
    }
}

/// Records what `init` settled on, readable by its owner only.
pub fn write_recorded(recorded: &Recorded) -> anyhow::Result<()> {
    create_snapform_dir()?;
    let text = serde_json::to_string_pretty(recorded).expect("settings serialize");
    crate::commands::write_private(Path::new(BACKEND_FILE), &format!("{text}\n"))
}

fn create_snapform_dir() -> anyhow::Result<()> {
    let dir = Path::new(BACKEND_FILE)
        .parent()
        .expect("the file is in a directory");
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// The settings a command uses, after checking that the block did not change since `init`.
pub fn effective(block: &BackendBlock) -> anyhow::Result<Settings> {
    let mut settings = Settings::of_block(block);
    match read_recorded()? {
        Some(recorded) => {
            if recorded.block_hash != block_hash(block) {
                bail!(
                    "the backend configuration changed since `snapform init` ran: it was {}, it is {} now\n  hint: run `snapform init -migrate-state` to copy the state to the new backend, or `snapform init -reconfigure` to use it as it is",
                    recorded.settings.describe(),
                    settings.describe()
                );
            }
            settings.configure(&recorded.backend_config)?;
        }
        None => {
            // Without an init, the state was in the default file: a backend block that leaves
            // it behind would plan every recorded resource as new.
            let default = Settings::default_local();
            if settings != default {
                if Path::new("snapform.tfstate").exists() {
                    bail!(
                        "the configuration names {}, but the state is still in snapform.tfstate\n  hint: run `snapform init -migrate-state` to copy it there, or `snapform init -reconfigure` to use the new backend without it",
                        settings.describe()
                    );
                }
                // Remembered as `init` would, so that removing or changing the block later is
                // noticed instead of silently starting from an empty local state. A directory
                // that cannot be written to only loses that check.
                let _ = write_recorded(&Recorded {
                    version: 1,
                    block_hash: block_hash(block),
                    settings: settings.clone(),
                    backend_config: BTreeMap::new(),
                });
            }
        }
    }
    Ok(settings)
}

/// Whether `SNAPFORM_WORKSPACE` chooses the workspace.
pub fn workspace_overridden() -> Option<String> {
    crate::env::get(crate::env::WORKSPACE)
}

/// The selected workspace: `SNAPFORM_WORKSPACE`, else `.snapform/environment`, else
/// `default`.
pub fn workspace() -> anyhow::Result<String> {
    let name = match workspace_overridden() {
        Some(name) => name,
        None => match std::fs::read_to_string(ENVIRONMENT_FILE) {
            Ok(text) if !text.trim().is_empty() => text.trim().to_owned(),
            Ok(_) => DEFAULT_WORKSPACE.to_owned(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                DEFAULT_WORKSPACE.to_owned()
            }
            Err(error) => {
                return Err(error).with_context(|| format!("cannot read {ENVIRONMENT_FILE}"));
            }
        },
    };
    snapform_state::check_workspace_name(&name)?;
    Ok(name)
}

/// Selects `name` for later commands.
pub fn select_workspace(name: &str) -> anyhow::Result<()> {
    create_snapform_dir()?;
    if name == DEFAULT_WORKSPACE {
        match std::fs::remove_file(ENVIRONMENT_FILE) {
            Ok(()) => return Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => {
                return Err(error).with_context(|| format!("cannot write {ENVIRONMENT_FILE}"));
            }
        }
    }
    crate::commands::write_atomically(Path::new(ENVIRONMENT_FILE), &format!("{name}\n"))
}

/// Opens the backend `block` names (as `init` left it) for the selected workspace, which must
/// exist.
pub fn open_selected(block: &BackendBlock) -> anyhow::Result<(Box<dyn Backend + Send>, String)> {
    let settings = effective(block)?;
    let workspace = workspace()?;
    let backend = settings.open(&workspace)?;
    if workspace != DEFAULT_WORKSPACE {
        let known = backend.workspaces().context("cannot list the workspaces")?;
        if !known.contains(&workspace) {
            let from = if workspace_overridden().is_some() {
                format!("{} selects it", crate::env::WORKSPACE)
            } else {
                format!("it is selected in {ENVIRONMENT_FILE}")
            };
            bail!(
                "the workspace {workspace:?} does not exist in {} ({from})\n  hint: create it with `snapform workspace new {workspace}`, or pick one of: {}",
                settings.describe(),
                known.join(", ")
            );
        }
    }
    Ok((backend, workspace))
}
