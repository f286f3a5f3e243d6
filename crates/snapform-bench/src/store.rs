//! Where a run keeps its state: a file in a temporary directory (the local backend and its
//! journal), or, with `--pg`, a schema of its own in that PostgreSQL database, dropped once
//! the run is over.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use snapform_state::{Backend, LocalBackend, PgBackend, PgSettings};

/// The backend rows 4, 5 and 8 save to.
#[derive(Clone, Debug)]
pub enum Store {
    /// `snapform.tfstate` in a temporary directory.
    Local,
    /// A fresh schema in the database of this connection string.
    Pg(String),
}

impl Store {
    /// `local` or `pg`, for titles and JSON keys.
    pub fn name(&self) -> &'static str {
        match self {
            Store::Local => "local",
            Store::Pg(_) => "pg",
        }
    }
}

static NEXT_SCHEMA: AtomicU32 = AtomicU32::new(1);

/// One run's state: its directory or its schema.
pub struct Place {
    store: Store,
    dir: tempfile::TempDir,
    schema: String,
}

impl Place {
    /// A new, empty place in `store`.
    pub fn new(store: &Store) -> anyhow::Result<Place> {
        Ok(Place {
            store: store.clone(),
            dir: tempfile::tempdir()?,
            schema: format!(
                "snapform_bench_{}_{}",
                std::process::id(),
                NEXT_SCHEMA.fetch_add(1, Ordering::Relaxed)
            ),
        })
    }

    /// A backend on it; every one opened on a place sees the same state.
    pub fn backend(&self) -> anyhow::Result<Box<dyn Backend + Send>> {
        Ok(match &self.store {
            Store::Local => Box::new(LocalBackend::new(self.dir.path().join("snapform.tfstate"))),
            Store::Pg(conn_str) => Box::new(PgBackend::connect(
                &PgSettings {
                    conn_str: snapform_core::Secret::new(conn_str.clone()),
                    schema_name: self.schema.clone(),
                    retry_for: Duration::from_secs(60),
                    ca_file: None,
                },
                "default",
            )?),
        })
    }

    /// Drops the schema a pg run made; the directory goes with the value.
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Store::Pg(conn_str) = &self.store {
            let (client, connection) =
                tokio_postgres::connect(conn_str, tokio_postgres::NoTls).await?;
            let connection = tokio::spawn(connection);
            client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
                .await?;
            drop(client);
            let _ = connection.await;
        }
        Ok(())
    }
}
