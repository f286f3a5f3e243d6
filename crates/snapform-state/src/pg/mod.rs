//! The `pg` backend: the state in PostgreSQL, for teams whose runs share no disk.
//!
//! Each workspace's state is a header row (lineage, serial, outputs) plus one row per resource
//! record, intent and deposed record (see [`sql`] for the tables), so a step writes only the
//! rows it changed, in one transaction, and the header row refuses a write whose serial does
//! not follow the stored one, with or without the lock. The lock is a session advisory lock,
//! keyed by the schema and the workspace, held on a connection of its own for the whole
//! command; its holder's lock info sits in the `locks` table for whoever is refused.
//!
//! The connection string is a [`Secret`]: it appears in no message, no `Debug` output and no
//! error. Messages name the database as `host:port/dbname` with the schema and workspace.

mod rows;
mod sql;
mod tls;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use snapform_core::Secret;

use crate::backend::check_workspace_name;
use crate::lock::Held;
use crate::{Backend, Error, LockGuard, LockInfo, State, StateDelta};
use worker::{Reply, Request, Target, Worker};

pub use sql::check_schema_name;

/// The default schema, as Terraform's pg backend defaults to `terraform_remote_state`.
pub const DEFAULT_SCHEMA: &str = "snapform_remote_state";

/// How to reach the database.
#[derive(Clone, Debug)]
pub struct PgSettings {
    /// A libpq-style connection string (`host=... user=... dbname=...` or a
    /// `postgres://` URL); it may hold a password.
    pub conn_str: Secret,
    /// The schema that holds the tables; created on first use.
    pub schema_name: String,
    /// How long a write keeps trying after the connection was lost before it gives up.
    pub retry_for: Duration,
    /// PEM certificates of CAs to trust besides the system's, for a server whose certificate
    /// a private CA signed (a managed database's own CA).
    pub ca_file: Option<std::path::PathBuf>,
}

/// The state of one workspace, in PostgreSQL.
pub struct PgBackend {
    worker: Arc<WorkerHandle>,
    location: String,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("location", &self.location)
            .finish()
    }
}

/// The database thread, stopped and joined when the last handle goes.
struct WorkerHandle {
    /// Invariant: `Some` until dropped.
    sender: Option<tokio::sync::mpsc::UnboundedSender<Request>>,
    thread: Option<std::thread::JoinHandle<()>>,
    location: String,
}

impl WorkerHandle {
    /// Sends the request `make` builds and waits for its answer.
    fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, Error> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        let gone = || Error::Unreachable {
            location: self.location.clone(),
            source: "the database thread stopped".into(),
        };
        self.sender
            .as_ref()
            .expect("the sender lives until drop")
            .send(make(reply))
            .map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        // Closing the channel ends the thread's loop, which closes its connections.
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The lock a [`PgBackend`] holds, released through its thread.
struct PgLock {
    worker: Arc<WorkerHandle>,
}

impl Held for PgLock {
    fn release(self: Box<Self>) {
        let _ = self.worker.call(Request::Unlock);
    }
}

/// `host:port/dbname`, for messages; never the user's password or the connection string.
fn server_of(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(idx, host)| {
            let port = config
                .get_ports()
                .get(idx)
                .or(config.get_ports().first())
                .copied()
                .unwrap_or(5432);
            match host {
                tokio_postgres::config::Host::Tcp(name) => format!("{name}:{port}"),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    let dbname = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    format!("{}/{dbname}", hosts.join(","))
}

impl PgBackend {
    /// Connects to the database of `settings` for `workspace`, creating the schema and the
    /// tables on first use.
    pub fn connect(settings: &PgSettings, workspace: &str) -> Result<PgBackend, Error> {
        check_schema_name(&settings.schema_name)?;
        if workspace != crate::DEFAULT_WORKSPACE {
            check_workspace_name(workspace)?;
        }
        let mut config: tokio_postgres::Config =
            settings
                .conn_str
                .expose()
                .parse()
                .map_err(|error: tokio_postgres::Error| Error::Settings {
                    // The parser's messages name options and positions, never values.
                    reason: format!("the pg connection string cannot be read: {error}"),
                })?;
        if config.get_hosts().is_empty() {
            return Err(Error::Settings {
                reason: "the pg connection string names no host (host=... or postgres://HOST/...)"
                    .to_owned(),
            });
        }
        if config.get_user().is_none() {
            return Err(Error::Settings {
                reason:
                    "the pg connection string names no user (user=... or postgres://USER@HOST/...)"
                        .to_owned(),
            });
        }
        if config.get_application_name().is_none() {
            config.application_name("snapform");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // Looking for the key is enough: the value is never read here.
        tls::choose_ssl_mode(&mut config, settings.conn_str.expose().contains("sslmode"));
        let tls = tls::Tls::new(settings.ca_file.as_deref())?;
        // A vanished peer is noticed within a minute rather than the kernel's two hours, both
        // while the connection is idle (keepalives) and while a save waits for its
        // acknowledgement (the TCP user timeout), so a save never hangs on a dead network.
        config.keepalives(true);
        if config.get_keepalives_idle() >= Duration::from_secs(7200) {
            config.keepalives_idle(Duration::from_secs(30));
        }
        if config.get_keepalives_interval().is_none() {
            config.keepalives_interval(Duration::from_secs(10));
        }
        if config.get_keepalives_retries().is_none() {
            config.keepalives_retries(3);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(Duration::from_secs(60));
        }
        let location = format!(
            "pg {}, schema {}, workspace {workspace}",
            server_of(&config),
            settings.schema_name
        );
        let target = Target {
            config,
            schema_name: settings.schema_name.clone(),
            workspace: workspace.to_owned(),
            location: location.clone(),
            retry_for: settings.retry_for,
            tls,
        };
        let (sender, mut requests) = tokio::sync::mpsc::unbounded_channel::<Request>();
        let (opened_sender, opened) = std::sync::mpsc::sync_channel::<Result<(), Error>>(1);
        let thread_location = location.clone();
        let thread = std::thread::Builder::new()
            .name("snapform-pg".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = opened_sender.send(Err(Error::Unreachable {
                            location: thread_location,
                            source: Box::new(error),
                        }));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let mut worker = Worker::new(target);
                    let opened = worker.open().await;
                    let failed = opened.is_err();
                    let _ = opened_sender.send(opened);
                    if failed {
                        return;
                    }
                    while let Some(request) = requests.recv().await {
                        worker.handle(request).await;
                    }
                });
            })
            .map_err(|error| Error::Unreachable {
                location: location.clone(),
                source: Box::new(error),
            })?;
        let handle = WorkerHandle {
            sender: Some(sender),
            thread: Some(thread),
            location: location.clone(),
        };
        opened.recv().map_err(|_| Error::Unreachable {
            location: location.clone(),
            source: "the database thread stopped".into(),
        })??;
        Ok(PgBackend {
            worker: Arc::new(handle),
            location,
        })
    }
}

impl Backend for PgBackend {
    fn read(&self) -> Result<Option<State>, Error> {
        self.worker.call(Request::Read)
    }

    fn write(&mut self, state: &State) -> Result<(), Error> {
        let rows = rows::encode_state(state)?;
        self.worker
            .call(|reply| Request::Write(Box::new(rows), reply))
    }

    fn save(&mut self, delta: &StateDelta) -> Result<(), Error> {
        let rows = rows::encode_delta(delta)?;
        self.worker
            .call(|reply| Request::Save(Box::new(rows), reply))
    }

    fn lock(&self, info: LockInfo, timeout: Duration) -> Result<LockGuard, Error> {
        self.worker.call(|reply| Request::Lock {
            info: Box::new(info),
            timeout,
            reply,
        })?;
        Ok(LockGuard::new(PgLock {
            worker: self.worker.clone(),
        }))
    }

    fn force_unlock(&self, id: &str) -> Result<(), Error> {
        let id = id.to_owned();
        self.worker.call(|reply| Request::ForceUnlock(id, reply))
    }

    fn describe(&self) -> String {
        self.location.clone()
    }

    fn workspaces(&self) -> Result<Vec<String>, Error> {
        self.worker.call(Request::Workspaces)
    }

    fn delete_workspace(&mut self) -> Result<(), Error> {
        self.worker.call(Request::DeleteWorkspace)
    }
}
