//! The thread that talks to PostgreSQL.
//!
//! The [`crate::Backend`] trait is synchronous, and apply calls it from tasks of a tokio
//! runtime; a synchronous client that blocks on a runtime of its own panics there. So the
//! backend runs tokio-postgres on a thread of its own, with a current-thread runtime that
//! also drives the connections; each trait call sends a [`Request`] over a channel and waits
//! for the answer on a plain `std` channel, which blocks only the calling thread and works
//! inside and outside a runtime alike.
//!
//! The thread keeps two connections: `data`, for reading and writing, and `lock`, which holds
//! the session advisory lock for as long as the command holds the lock, and nothing else. A
//! holder that dies loses its connections, and the server releases its lock with them.
//!
//! It is about 900 lines because every request's handling (read, write, save, lock, unlock,
//! workspaces) runs on this thread's connections and shares its reconnect-and-retry loop;
//! the SQL lives in `sql` and the row shapes in `rows`.
//!
//! Writes survive a lost connection: a write or a step that fails because the connection went
//! away is tried again on a new connection, with backoff, until `retry_for` has passed. Before
//! trying again it checks whether the lost attempt committed after all (the header row carries
//! the attempt's `save_id`), and takes the lock again if its connection went too; if another
//! session holds the lock by then, the write is refused rather than made under its lock.

use std::time::{Duration, Instant};

use tokio_postgres::{Client, Statement};

use super::rows::{DeltaRows, Header, StateRows, assemble};
use super::sql::{LAYOUT_VERSION, Sql, lock_key, setup_key};
use crate::{DEFAULT_WORKSPACE, Error, LockInfo, State};

/// How long a command waits for the backend of its own lost session to end and free the
/// lock, when it takes the lock again on a new connection.
const OLD_SESSION_GRACE: Duration = Duration::from_secs(5);

/// The answer to one request.
pub(super) type Reply<T> = std::sync::mpsc::SyncSender<Result<T, Error>>;

/// What a trait call asks of the thread.
pub(super) enum Request {
    Read(Reply<Option<State>>),
    Write(Box<StateRows>, Reply<()>),
    Save(Box<DeltaRows>, Reply<()>),
    Lock {
        info: Box<LockInfo>,
        timeout: Duration,
        reply: Reply<()>,
    },
    Unlock(Reply<()>),
    ForceUnlock(String, Reply<()>),
    Workspaces(Reply<Vec<String>>),
    DeleteWorkspace(Reply<()>),
}

/// Where and what the thread works on.
pub(super) struct Target {
    pub config: tokio_postgres::Config,
    pub schema_name: String,
    pub workspace: String,
    pub location: String,
    pub retry_for: Duration,
    pub tls: super::tls::Tls,
}

/// The data connection and its prepared statements.
struct DataConn {
    client: Client,
    st: Statements,
}

struct Statements {
    header: Statement,
    resources: Statement,
    intents: Statement,
    deposed: Statement,
    put_header: Statement,
    clear_resources: Statement,
    clear_intents: Statement,
    clear_deposed: Statement,
    upsert_resources: Statement,
    upsert_intents: Statement,
    upsert_deposed: Statement,
    step_header: Statement,
    remove_resources: Statement,
    remove_intents: Statement,
    remove_deposed: Statement,
    saved: Statement,
}

/// Why an attempt failed: the connection went away (try again), or anything else (stop).
enum Failure {
    Lost(Error),
    Fatal(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure::Fatal(error)
    }
}

pub(super) struct Worker {
    target: Target,
    sql: Sql,
    lock_key: i64,
    data: Option<DataConn>,
    /// The connection holding the advisory lock, while the command holds it.
    lock: Option<Client>,
    /// The lock info of the lock this command holds, to take it again after a lost connection.
    held: Option<LockInfo>,
    /// Whether the data connection was opened again since the lock was last checked: what
    /// took the data connection away (a restart, a network cut) may have taken the lock's too,
    /// before its connection task noticed.
    reopened: bool,
}

/// Whether `error` means the connection is gone (or the server is going away), so that the
/// same request may succeed on a new connection.
fn is_lost(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.code() {
        // Connection exceptions, server shutdown and restarts, and too many connections.
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }
        // No SQLSTATE: an I/O error (a reset, a timeout) is; a parameter that does not encode
        // or a row that does not decode is a bug that another attempt would repeat.
        None => std::error::Error::source(error).is_some_and(|cause| cause.is::<std::io::Error>()),
    }
}

impl Worker {
    pub(super) fn new(target: Target) -> Worker {
        Worker {
            sql: Sql::new(&target.schema_name),
            lock_key: lock_key(&target.schema_name, &target.workspace),
            target,
            data: None,
            lock: None,
            held: None,
            reopened: false,
        }
    }

    fn unreachable(&self, error: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Unreachable {
            location: self.target.location.clone(),
            source: Box::new(error),
        }
    }

    fn database(&self, action: &'static str, error: tokio_postgres::Error) -> Error {
        Error::Database {
            action,
            location: self.target.location.clone(),
            source: Box::new(error),
        }
    }

    /// Classifies a statement's error.
    fn failure(&self, action: &'static str, error: tokio_postgres::Error) -> Failure {
        if is_lost(&error) {
            Failure::Lost(self.unreachable(error))
        } else {
            Failure::Fatal(self.database(action, error))
        }
    }

    /// A new connection whose connection task runs on this thread's runtime.
    async fn connect(&self) -> Result<Client, Error> {
        let (client, connection) = self
            .target
            .config
            .connect(self.target.tls.clone())
            .await
            .map_err(|error| self.unreachable(error))?;
        tokio::spawn(async move {
            // The error, if any, reaches the next request as a closed connection.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Connects the data connection, creating the schema and the tables on first use, and
    /// checks that their layout is one this build reads.
    pub(super) async fn open(&mut self) -> Result<(), Error> {
        let client = self.connect().await?;
        let exists: Option<String> = client
            .query_one("SELECT to_regclass($1)::text", &[&self.sql.layout_table])
            .await
            .map_err(|error| self.database("look for the state tables", error))?
            .get(0);
        if exists.is_none() {
            // Two first runs at once: the second waits here, then finds everything created.
            let setup = async {
                client.batch_execute("BEGIN").await?;
                client
                    .execute(
                        "SELECT pg_advisory_xact_lock($1)",
                        &[&setup_key(&self.target.schema_name)],
                    )
                    .await?;
                client.batch_execute(&self.sql.create).await?;
                client.batch_execute("COMMIT").await
            };
            if let Err(error) = setup.await {
                let _ = client.batch_execute("ROLLBACK").await;
                return Err(self.database("create the schema and the state tables", error));
            }
        }
        let version: Option<i32> = client
            .query_one(&self.sql.layout_version, &[])
            .await
            .map_err(|error| self.database("read the layout of the state tables", error))?
            .get(0);
        if let Some(version) = version
            && version > LAYOUT_VERSION
        {
            return Err(Error::NewerStored {
                what: "layout of the state tables",
                location: self.target.location.clone(),
                found: u64::try_from(version).unwrap_or(0),
                supported: LAYOUT_VERSION as u64,
            });
        }
        let st = self
            .prepare(&client)
            .await
            .map_err(|error| self.database("prepare the state statements", error))?;
        self.data = Some(DataConn { client, st });
        Ok(())
    }

    async fn prepare(&self, client: &Client) -> Result<Statements, tokio_postgres::Error> {
        let sql = &self.sql;
        // Prepared together, so the requests are pipelined.
        let (header, resources, intents, deposed, put_header, clear_resources, clear_intents) = tokio::try_join!(
            client.prepare(&sql.header),
            client.prepare(&sql.resources),
            client.prepare(&sql.intents),
            client.prepare(&sql.deposed),
            client.prepare(&sql.put_header),
            client.prepare(&sql.clear_resources),
            client.prepare(&sql.clear_intents),
        )?;
        let (clear_deposed, upsert_resources, upsert_intents, upsert_deposed, step_header) = tokio::try_join!(
            client.prepare(&sql.clear_deposed),
            client.prepare(&sql.upsert_resources),
            client.prepare(&sql.upsert_intents),
            client.prepare(&sql.upsert_deposed),
            client.prepare(&sql.step_header),
        )?;
        let (remove_resources, remove_intents, remove_deposed, saved) = tokio::try_join!(
            client.prepare(&sql.remove_resources),
            client.prepare(&sql.remove_intents),
            client.prepare(&sql.remove_deposed),
            client.prepare(&sql.saved),
        )?;
        Ok(Statements {
            header,
            resources,
            intents,
            deposed,
            put_header,
            clear_resources,
            clear_intents,
            clear_deposed,
            upsert_resources,
            upsert_intents,
            upsert_deposed,
            step_header,
            remove_resources,
            remove_intents,
            remove_deposed,
            saved,
        })
    }

    /// The data connection, connected again if it was lost.
    async fn data(&mut self) -> Result<&DataConn, Failure> {
        if self
            .data
            .as_ref()
            .is_none_or(|data| data.client.is_closed())
        {
            self.data = None;
            self.reopened = true;
            match self.open().await {
                Ok(()) => {}
                Err(error @ Error::Unreachable { .. }) => return Err(Failure::Lost(error)),
                // A server that is starting or stopping answers statements with errors of its
                // own; they pass once it is up.
                Err(error @ Error::Database { .. }) => return Err(Failure::Lost(error)),
                Err(error) => return Err(Failure::Fatal(error)),
            }
        }
        Ok(self.data.as_ref().expect("connected above"))
    }

    /// Runs `attempt` until it succeeds, fails for a reason other than a lost connection, or
    /// `retry_for` has passed since the first failure.
    async fn with_retries<T>(
        &mut self,
        retry_for: Duration,
        mut attempt: impl AsyncFnMut(&mut Worker, bool) -> Result<T, Failure>,
    ) -> Result<T, Error> {
        let mut deadline = None;
        let mut delay = Duration::from_millis(100);
        let mut retrying = false;
        loop {
            match attempt(self, retrying).await {
                Ok(value) => return Ok(value),
                Err(Failure::Fatal(error)) => return Err(error),
                Err(Failure::Lost(error)) => {
                    self.data = None;
                    let deadline = *deadline.get_or_insert_with(|| Instant::now() + retry_for);
                    if Instant::now() + delay > deadline {
                        return Err(error);
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                    retrying = true;
                }
            }
        }
    }

    pub(super) async fn handle(&mut self, request: Request) {
        match request {
            Request::Read(reply) => {
                let _ = reply.send(self.read().await);
            }
            Request::Write(rows, reply) => {
                let _ = reply.send(self.write(&rows).await);
            }
            Request::Save(rows, reply) => {
                let _ = reply.send(self.save(&rows).await);
            }
            Request::Lock {
                info,
                timeout,
                reply,
            } => {
                let _ = reply.send(self.lock(*info, timeout).await);
            }
            Request::Unlock(reply) => {
                let _ = reply.send(self.unlock().await);
            }
            Request::ForceUnlock(id, reply) => {
                let _ = reply.send(self.force_unlock(&id).await);
            }
            Request::Workspaces(reply) => {
                let _ = reply.send(self.workspaces().await);
            }
            Request::DeleteWorkspace(reply) => {
                let _ = reply.send(self.delete_workspace().await);
            }
        }
    }

    async fn read(&mut self) -> Result<Option<State>, Error> {
        // A read is tried once more on a new connection, no longer: a command that starts
        // while the database is away says so at once.
        self.with_retries(Duration::from_millis(150), async |worker, _| {
            worker.read_once().await
        })
        .await
    }

    async fn read_once(&mut self) -> Result<Option<State>, Failure> {
        let workspace = self.target.workspace.clone();
        let data = self.data().await?;
        let (client, st) = (&data.client, &data.st);
        // One snapshot for the header and the rows.
        let by_workspace: [Param<'_>; 1] = [&workspace];
        let read = async {
            client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?;
            let res = tokio::try_join!(
                client.query_opt(&st.header, &by_workspace),
                client.query(&st.resources, &by_workspace),
                client.query(&st.intents, &by_workspace),
                client.query(&st.deposed, &by_workspace),
            );
            client.batch_execute("COMMIT").await?;
            res
        };
        let (header, resources, intents, deposed) = match read.await {
            Ok(rows) => rows,
            Err(error) => {
                if let Some(data) = &self.data {
                    let _ = data.client.batch_execute("ROLLBACK").await;
                }
                return Err(self.failure("read the state", error));
            }
        };
        let Some(header) = header else {
            return Ok(None);
        };
        let texts = |rows: Vec<tokio_postgres::Row>| -> Vec<String> {
            rows.into_iter().map(|row| row.get(0)).collect()
        };
        let header = Header {
            lineage: header.get(0),
            serial: header.get(1),
            format_version: header.get(2),
            snapform_version: header.get(3),
            outputs: header.get(4),
            sensitive_outputs: header.get(5),
        };
        Ok(Some(assemble(
            &self.target.location,
            header,
            texts(resources),
            texts(intents),
            texts(deposed),
        )?))
    }

    /// Whether the header already records the save with `serial` and `save_id`: an attempt
    /// whose connection was lost after it sent COMMIT may have committed.
    async fn already_saved(&mut self, serial: i64, save_id: &str) -> Result<bool, Failure> {
        let workspace = self.target.workspace.clone();
        let data = self.data().await?;
        let row = data
            .client
            .query_opt(&data.st.saved, &[&workspace])
            .await
            .map_err(|error| self.failure("read the state", error))?;
        Ok(row
            .is_some_and(|row| row.get::<_, i64>(1) == serial && row.get::<_, &str>(2) == save_id))
    }

    /// The error for a write or step the stored header did not accept.
    async fn conflict(&mut self, lineage: &str, serial: i64) -> Failure {
        let workspace = self.target.workspace.clone();
        let data = match self.data().await {
            Ok(data) => data,
            Err(failure) => return failure,
        };
        let stored = data.client.query_opt(&data.st.saved, &[&workspace]).await;
        match stored {
            Ok(Some(row)) => Failure::Fatal(Error::Conflict {
                lineage: lineage.to_owned(),
                serial: serial as u64,
                stored_lineage: row.get(0),
                stored_serial: row.get::<_, i64>(1) as u64,
            }),
            Ok(None) => Failure::Fatal(Error::Missing {
                location: self.target.location.clone(),
            }),
            Err(error) => self.failure("read the state", error),
        }
    }

    async fn write(&mut self, rows: &StateRows) -> Result<(), Error> {
        let retry_for = self.target.retry_for;
        self.with_retries(retry_for, async |worker, retrying| {
            if retrying
                && worker
                    .already_saved(rows.header.serial, &rows.save_id)
                    .await?
            {
                return Ok(());
            }
            worker.data().await?;
            worker.keep_lock(retrying).await?;
            worker.write_once(rows).await
        })
        .await
    }

    async fn write_once(&mut self, rows: &StateRows) -> Result<(), Failure> {
        let workspace = self.target.workspace.clone();
        let data = self.data().await?;
        let (client, st) = (&data.client, &data.st);
        let header = &rows.header;
        let by_workspace: [Param<'_>; 1] = [&workspace];
        let header_params: [Param<'_>; 8] = [
            &workspace,
            &header.lineage,
            &header.serial,
            &header.format_version,
            &header.snapform_version,
            &header.outputs,
            &header.sensitive_outputs,
            &rows.save_id,
        ];
        // Pipelined: BEGIN and every statement go out together; COMMIT only once the header
        // row accepted the serial.
        let statements = async {
            let (_, accepted, ..) = tokio::try_join!(
                client.batch_execute("BEGIN"),
                client.execute(&st.put_header, &header_params),
                client.execute(&st.clear_resources, &by_workspace),
                client.execute(&st.clear_intents, &by_workspace),
                client.execute(&st.clear_deposed, &by_workspace),
                upsert(
                    client,
                    &st.upsert_resources,
                    &workspace,
                    &rows.resources.addrs,
                    &rows.resources.documents
                ),
                upsert(
                    client,
                    &st.upsert_intents,
                    &workspace,
                    &rows.intents.addrs,
                    &rows.intents.documents
                ),
                upsert_deposed(
                    client,
                    &st.upsert_deposed,
                    &workspace,
                    &rows.deposed.addrs,
                    &rows.deposed.ids,
                    &rows.deposed.documents
                ),
            )?;
            Ok::<u64, tokio_postgres::Error>(accepted)
        };
        let outcome = statements.await;
        self.finish(outcome, "write the state", &header.lineage, header.serial)
            .await
    }

    /// Commits when the header accepted the write (`Ok(1)`), rolls back otherwise.
    async fn finish(
        &mut self,
        outcome: Result<u64, tokio_postgres::Error>,
        action: &'static str,
        lineage: &str,
        serial: i64,
    ) -> Result<(), Failure> {
        let client = &self.data.as_ref().expect("connected by the caller").client;
        match outcome {
            Ok(1) => client
                .batch_execute("COMMIT")
                .await
                .map_err(|error| self.failure(action, error)),
            Ok(_) => {
                client
                    .batch_execute("ROLLBACK")
                    .await
                    .map_err(|error| self.failure(action, error))?;
                Err(self.conflict(lineage, serial).await)
            }
            Err(error) => {
                let _ = client.batch_execute("ROLLBACK").await;
                // Two first writes at once: the second one's header insert waits for the
                // first, then conflicts on the key instead of being refused by serial.
                if error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
                    return Err(self.conflict(lineage, serial).await);
                }
                Err(self.failure(action, error))
            }
        }
    }

    async fn save(&mut self, rows: &DeltaRows) -> Result<(), Error> {
        let retry_for = self.target.retry_for;
        self.with_retries(retry_for, async |worker, retrying| {
            if retrying && worker.already_saved(rows.serial, &rows.save_id).await? {
                return Ok(());
            }
            worker.data().await?;
            worker.keep_lock(retrying).await?;
            worker.save_once(rows).await
        })
        .await
    }

    async fn save_once(&mut self, rows: &DeltaRows) -> Result<(), Failure> {
        let workspace = self.target.workspace.clone();
        let data = self.data().await?;
        let (client, st) = (&data.client, &data.st);
        let header_params: [Param<'_>; 6] = [
            &workspace,
            &rows.lineage,
            &rows.serial,
            &rows.save_id,
            &rows.outputs,
            &rows.sensitive_outputs,
        ];
        let statements = async {
            let (_, accepted, ..) = tokio::try_join!(
                client.batch_execute("BEGIN"),
                client.execute(&st.step_header, &header_params),
                remove(client, &st.remove_resources, &workspace, &rows.removed),
                upsert(
                    client,
                    &st.upsert_resources,
                    &workspace,
                    &rows.upserted.addrs,
                    &rows.upserted.documents
                ),
                remove(
                    client,
                    &st.remove_intents,
                    &workspace,
                    &rows.intents_removed
                ),
                upsert(
                    client,
                    &st.upsert_intents,
                    &workspace,
                    &rows.intents_added.addrs,
                    &rows.intents_added.documents
                ),
                remove_deposed(
                    client,
                    &st.remove_deposed,
                    &workspace,
                    &rows.deposed_removed_addrs,
                    &rows.deposed_removed_ids
                ),
                upsert_deposed(
                    client,
                    &st.upsert_deposed,
                    &workspace,
                    &rows.deposed_added.addrs,
                    &rows.deposed_added.ids,
                    &rows.deposed_added.documents
                ),
            )?;
            Ok::<u64, tokio_postgres::Error>(accepted)
        };
        let outcome = statements.await;
        self.finish(outcome, "save a step", &rows.lineage, rows.serial)
            .await
    }

    /// While the command holds the lock, makes sure its connection is still there; if it was
    /// lost, takes the lock again, or fails when another session took it meanwhile. After a
    /// lost connection (`retrying`, or the data connection opened again) the lock's
    /// connection is asked, not only looked at.
    async fn keep_lock(&mut self, retrying: bool) -> Result<(), Failure> {
        let Some(info) = self.held.clone() else {
            return Ok(());
        };
        let check = std::mem::take(&mut self.reopened) || retrying;
        if let Some(lock) = &self.lock
            && !lock.is_closed()
            && (!check || lock.batch_execute("SELECT 1").await.is_ok())
        {
            return Ok(());
        }
        self.lock = None;
        let client = self.connect().await.map_err(Failure::Lost)?;
        // The server ends a lost session's backend a moment after the connection went: while
        // the lock info still names this command, the holder is its own old session, and the
        // lock comes free once that backend is gone.
        let give_up = tokio::time::Instant::now() + OLD_SESSION_GRACE;
        loop {
            let taken: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&self.lock_key])
                .await
                .map_err(|error| self.failure("take the state lock", error))?
                .get(0);
            if taken {
                break;
            }
            let holder = self.holder(&client).await;
            if holder.id != info.id || tokio::time::Instant::now() >= give_up {
                return Err(Failure::Fatal(Error::LockLost {
                    holder: Box::new(holder),
                }));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.record_lock(&client, &info)
            .await
            .map_err(|error| self.failure("record the lock info", error))?;
        self.lock = Some(client);
        Ok(())
    }

    async fn record_lock(
        &self,
        client: &Client,
        info: &LockInfo,
    ) -> Result<(), tokio_postgres::Error> {
        client
            .execute(
                &self.sql.put_lock,
                &[
                    &self.target.workspace,
                    &info.id,
                    &info.operation,
                    &info.who,
                    &info.version,
                    &info.created,
                    &i64::from(info.pid),
                ],
            )
            .await
            .map(|_| ())
    }

    /// Who holds the lock, as its lock info says; a holder that recorded none yet is named as
    /// the database session holding the key.
    async fn holder(&self, client: &Client) -> LockInfo {
        let row = client
            .query_opt(&self.sql.lock_info, &[&self.target.workspace])
            .await
            .ok()
            .flatten();
        match row {
            Some(row) => LockInfo {
                id: row.get(0),
                operation: row.get(1),
                who: row.get(2),
                version: row.get(3),
                created: row.get(4),
                path: self.target.location.clone(),
                pid: u32::try_from(row.get::<_, i64>(5)).unwrap_or(0),
            },
            None => LockInfo {
                id: "unknown".to_owned(),
                operation: "unknown".to_owned(),
                who: "another database session".to_owned(),
                version: String::new(),
                created: String::new(),
                path: self.target.location.clone(),
                pid: 0,
            },
        }
    }

    async fn lock(&mut self, mut info: LockInfo, timeout: Duration) -> Result<(), Error> {
        info.path = self.target.location.clone();
        let client = self.connect().await?;
        let started = Instant::now();
        loop {
            let taken: bool = client
                .query_one("SELECT pg_try_advisory_lock($1)", &[&self.lock_key])
                .await
                .map_err(|error| self.database("take the state lock", error))?
                .get(0);
            if taken {
                break;
            }
            if started.elapsed() >= timeout {
                return Err(Error::Locked {
                    holder: Box::new(self.holder(&client).await),
                });
            }
            let left = timeout.saturating_sub(started.elapsed());
            tokio::time::sleep(Duration::from_millis(200).min(left.max(Duration::from_millis(1))))
                .await;
        }
        self.record_lock(&client, &info)
            .await
            .map_err(|error| self.database("record the lock info", error))?;
        self.lock = Some(client);
        self.held = Some(info);
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), Error> {
        let Some(info) = self.held.take() else {
            return Ok(());
        };
        let workspace = self.target.workspace.clone();
        if let Some(client) = self.lock.take() {
            // Closing the connection would release the lock too; this says so at once.
            let _ = client
                .execute(&self.sql.drop_lock, &[&workspace, &info.id])
                .await;
            let _ = client
                .execute("SELECT pg_advisory_unlock($1)", &[&self.lock_key])
                .await;
        } else if let Some(data) = &self.data {
            let _ = data
                .client
                .execute(&self.sql.drop_lock, &[&workspace, &info.id])
                .await;
        }
        Ok(())
    }

    /// Removes the lock `id`: a stale lock info row whose holder is gone, or the lock of a
    /// session that still holds it (a machine that vanished without closing its connection),
    /// whose database sessions are ended, which releases it.
    async fn force_unlock(&mut self, id: &str) -> Result<(), Error> {
        let workspace = self.target.workspace.clone();
        let client = self.connect().await?;
        let row = client
            .query_opt(&self.sql.lock_info, &[&workspace])
            .await
            .map_err(|error| self.database("read the lock info", error))?;
        let Some(row) = row else {
            return Err(Error::NotLocked);
        };
        let actual: String = row.get(0);
        if actual != id {
            return Err(Error::LockIdMismatch {
                given: id.to_owned(),
                actual,
            });
        }
        let mut taken = self.try_lock(&client).await?;
        if !taken {
            // The sessions holding the key: the lock connection recorded in the row, and any
            // other that holds it by now.
            client
                .execute(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks
                     WHERE locktype = 'advisory' AND granted
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND ((classid::bigint << 32) | objid::bigint) = $1 AND objsubid = 1",
                    &[&self.lock_key],
                )
                .await
                .map_err(|error| self.database("end the session holding the lock", error))?;
            taken = self.try_lock(&client).await?;
        }
        if !taken {
            return Err(Error::LockHeldByRunningProcess {
                holder: Box::new(self.holder(&client).await),
            });
        }
        client
            .execute(&self.sql.drop_lock, &[&workspace, &id])
            .await
            .map_err(|error| self.database("remove the lock info", error))?;
        let _ = client
            .execute("SELECT pg_advisory_unlock($1)", &[&self.lock_key])
            .await;
        Ok(())
    }

    async fn try_lock(&self, client: &Client) -> Result<bool, Error> {
        Ok(client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&self.lock_key])
            .await
            .map_err(|error| self.database("take the state lock", error))?
            .get(0))
    }

    async fn workspaces(&mut self) -> Result<Vec<String>, Error> {
        let sql = self.sql.workspaces.clone();
        let rows = self
            .with_retries(Duration::from_millis(150), async |worker, _| {
                let data = worker.data().await?;
                data.client
                    .query(&sql, &[])
                    .await
                    .map_err(|error| worker.failure("list the workspaces", error))
            })
            .await?;
        let mut res: Vec<String> = vec![DEFAULT_WORKSPACE.to_owned()];
        res.extend(
            rows.into_iter()
                .map(|row| row.get::<_, String>(0))
                .filter(|name| name != DEFAULT_WORKSPACE),
        );
        Ok(res)
    }

    async fn delete_workspace(&mut self) -> Result<(), Error> {
        if self.target.workspace == DEFAULT_WORKSPACE {
            return Err(Error::Settings {
                reason: "the default workspace cannot be deleted".to_owned(),
            });
        }
        let workspace = self.target.workspace.clone();
        let delete_header = self.sql.delete_header.clone();
        self.with_retries(Duration::from_millis(150), async |worker, _| {
            let data = worker.data().await?;
            let (client, st) = (&data.client, &data.st);
            let by_workspace: [Param<'_>; 1] = [&workspace];
            let outcome = async {
                tokio::try_join!(
                    client.batch_execute("BEGIN"),
                    client.execute(&delete_header, &by_workspace),
                    client.execute(&st.clear_resources, &by_workspace),
                    client.execute(&st.clear_intents, &by_workspace),
                    client.execute(&st.clear_deposed, &by_workspace),
                )?;
                client.batch_execute("COMMIT").await
            };
            match outcome.await {
                Ok(()) => Ok(()),
                Err(error) => {
                    let _ = client.batch_execute("ROLLBACK").await;
                    Err(worker.failure("delete the workspace", error))
                }
            }
        })
        .await
    }
}

/// A bind parameter.
type Param<'a> = &'a (dyn tokio_postgres::types::ToSql + Sync);

/// Inserts or replaces keyed rows; nothing to send when there are none.
async fn upsert(
    client: &Client,
    statement: &Statement,
    workspace: &str,
    addrs: &[String],
    documents: &[String],
) -> Result<u64, tokio_postgres::Error> {
    if addrs.is_empty() {
        return Ok(0);
    }
    let params: [Param<'_>; 3] = [&workspace, &addrs, &documents];
    client.execute(statement, &params).await
}

async fn upsert_deposed(
    client: &Client,
    statement: &Statement,
    workspace: &str,
    addrs: &[String],
    ids: &[String],
    documents: &[String],
) -> Result<u64, tokio_postgres::Error> {
    if addrs.is_empty() {
        return Ok(0);
    }
    let params: [Param<'_>; 4] = [&workspace, &addrs, &ids, &documents];
    client.execute(statement, &params).await
}

async fn remove(
    client: &Client,
    statement: &Statement,
    workspace: &str,
    addrs: &[String],
) -> Result<u64, tokio_postgres::Error> {
    if addrs.is_empty() {
        return Ok(0);
    }
    let params: [Param<'_>; 2] = [&workspace, &addrs];
    client.execute(statement, &params).await
}

async fn remove_deposed(
    client: &Client,
    statement: &Statement,
    workspace: &str,
    addrs: &[String],
    ids: &[String],
) -> Result<u64, tokio_postgres::Error> {
    if addrs.is_empty() {
        return Ok(0);
    }
    let params: [Param<'_>; 3] = [&workspace, &addrs, &ids];
    client.execute(statement, &params).await
}
