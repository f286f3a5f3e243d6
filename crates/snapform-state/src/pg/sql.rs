//! The `pg` backend's tables and statements, and the keys of its advisory locks.
//!
//! Every table lives in the configured schema and is keyed by workspace first:
//!
//! ```text
//! layout     (version)                                      one row: the layout's version
//! states     (workspace PK, lineage, serial, format_version, snapform_version,
//!             outputs jsonb, sensitive_outputs jsonb, save_id, saved_at)   the header row
//! resources  (workspace, addr, record jsonb)       PK (workspace, addr)     one row per record
//! intents    (workspace, addr, intent jsonb)       PK (workspace, addr)     one row per intent
//! deposed    (workspace, addr, id, record jsonb)   PK (workspace, addr, id)
//! locks      (workspace PK, id, operation, who, version, created, pid, session)
//! ```
//!
//! The schema name is the only name spliced into statement text; it is quoted by
//! [`quote_ident`] (which doubles quotes) after [`check_schema_name`] accepted it. Every value
//! goes as a bind parameter.

use sha2::{Digest, Sha256};

use crate::Error;

/// The version of the layout above; a database laid out by a newer snapform is refused.
pub(super) const LAYOUT_VERSION: i32 = 1;

/// Accepts schema names that need no quoting in PostgreSQL and fit its 63-byte limit: an ASCII
/// letter or `_`, then letters, digits and `_`. The loader checks the same rule with a
/// diagnostic; this check covers values from `-backend-config` and the environment.
pub fn check_schema_name(name: &str) -> Result<(), Error> {
    let mut bytes = name.bytes();
    let valid = name.len() <= 63
        && bytes
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_');
    if valid {
        Ok(())
    } else {
        Err(Error::Settings {
            reason: format!(
                "{name:?} is not a valid schema_name for the pg backend: use up to 63 ASCII letters, digits and `_`, starting with a letter or `_`"
            ),
        })
    }
}

/// `name` as a quoted SQL identifier: inside double quotes, with each double quote doubled.
pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The key of the session advisory lock that guards `workspace` of `schema`. Advisory locks
/// are per database, so the key covers the schema and the workspace: two schemas, or two
/// workspaces, never share a lock (Terraform's pg backend derived its key so that every
/// schema of a database shared one, its issue 33217).
pub(super) fn lock_key(schema: &str, workspace: &str) -> i64 {
    key(&["snapform state lock", schema, workspace])
}

/// The key of the transaction advisory lock taken while the tables of `schema` are created,
/// so that two first runs at once do not both create them.
pub(super) fn setup_key(schema: &str) -> i64 {
    key(&["snapform layout", schema])
}

fn key(parts: &[&str]) -> i64 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    i64::from_be_bytes(
        digest[..8]
            .try_into()
            .expect("a SHA-256 digest has 32 bytes"),
    )
}

/// The statements, with the schema spliced in.
pub(super) struct Sql {
    pub layout_table: String,
    pub create: String,
    pub layout_version: String,
    pub header: String,
    pub resources: String,
    pub intents: String,
    pub deposed: String,
    pub put_header: String,
    pub clear_resources: String,
    pub clear_intents: String,
    pub clear_deposed: String,
    pub upsert_resources: String,
    pub upsert_intents: String,
    pub upsert_deposed: String,
    pub step_header: String,
    pub remove_resources: String,
    pub remove_intents: String,
    pub remove_deposed: String,
    pub saved: String,
    pub workspaces: String,
    pub delete_header: String,
    pub lock_info: String,
    pub put_lock: String,
    pub drop_lock: String,
}

impl Sql {
    pub(super) fn new(schema_name: &str) -> Sql {
        let s = quote_ident(schema_name);
        Sql {
            layout_table: format!("{s}.layout"),
            create: format!(
                "CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.layout (version integer NOT NULL);
                 CREATE TABLE IF NOT EXISTS {s}.states (
                     workspace text PRIMARY KEY,
                     lineage text NOT NULL,
                     serial bigint NOT NULL,
                     format_version bigint NOT NULL,
                     snapform_version text NOT NULL,
                     outputs jsonb NOT NULL,
                     sensitive_outputs jsonb NOT NULL,
                     save_id text NOT NULL,
                     saved_at timestamptz NOT NULL DEFAULT now()
                 );
                 CREATE TABLE IF NOT EXISTS {s}.resources (
                     workspace text NOT NULL,
                     addr text NOT NULL,
                     record jsonb NOT NULL,
                     PRIMARY KEY (workspace, addr)
                 );
                 CREATE TABLE IF NOT EXISTS {s}.intents (
                     workspace text NOT NULL,
                     addr text NOT NULL,
                     intent jsonb NOT NULL,
                     PRIMARY KEY (workspace, addr)
                 );
                 CREATE TABLE IF NOT EXISTS {s}.deposed (
                     workspace text NOT NULL,
                     addr text NOT NULL,
                     id text NOT NULL,
                     record jsonb NOT NULL,
                     PRIMARY KEY (workspace, addr, id)
                 );
                 CREATE TABLE IF NOT EXISTS {s}.locks (
                     workspace text PRIMARY KEY,
                     id text NOT NULL,
                     operation text NOT NULL,
                     who text NOT NULL,
                     version text NOT NULL,
                     created text NOT NULL,
                     pid bigint NOT NULL,
                     session integer NOT NULL
                 );
                 INSERT INTO {s}.layout (version)
                     SELECT {LAYOUT_VERSION} WHERE NOT EXISTS (SELECT FROM {s}.layout);"
            ),
            layout_version: format!("SELECT max(version) FROM {s}.layout"),
            header: format!(
                "SELECT lineage, serial, format_version, snapform_version, outputs::text, sensitive_outputs::text
                 FROM {s}.states WHERE workspace = $1"
            ),
            resources: format!("SELECT record::text FROM {s}.resources WHERE workspace = $1"),
            intents: format!("SELECT intent::text FROM {s}.intents WHERE workspace = $1"),
            deposed: format!("SELECT record::text FROM {s}.deposed WHERE workspace = $1"),
            // A whole write replaces the header only when its serial is above the stored one.
            put_header: format!(
                "INSERT INTO {s}.states AS stored
                     (workspace, lineage, serial, format_version, snapform_version, outputs, sensitive_outputs, save_id)
                 VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6::text::jsonb, $7::text::jsonb, $8)
                 ON CONFLICT (workspace) DO UPDATE SET
                     lineage = EXCLUDED.lineage, serial = EXCLUDED.serial,
                     format_version = EXCLUDED.format_version,
                     snapform_version = EXCLUDED.snapform_version,
                     outputs = EXCLUDED.outputs, sensitive_outputs = EXCLUDED.sensitive_outputs,
                     save_id = EXCLUDED.save_id, saved_at = now()
                 WHERE stored.serial < EXCLUDED.serial"
            ),
            clear_resources: format!("DELETE FROM {s}.resources WHERE workspace = $1"),
            clear_intents: format!("DELETE FROM {s}.intents WHERE workspace = $1"),
            clear_deposed: format!("DELETE FROM {s}.deposed WHERE workspace = $1"),
            upsert_resources: format!(
                "INSERT INTO {s}.resources (workspace, addr, record)
                 SELECT $1, addr, record::jsonb FROM unnest($2::text[], $3::text[]) AS r(addr, record)
                 ON CONFLICT (workspace, addr) DO UPDATE SET record = EXCLUDED.record"
            ),
            upsert_intents: format!(
                "INSERT INTO {s}.intents (workspace, addr, intent)
                 SELECT $1, addr, intent::jsonb FROM unnest($2::text[], $3::text[]) AS r(addr, intent)
                 ON CONFLICT (workspace, addr) DO UPDATE SET intent = EXCLUDED.intent"
            ),
            upsert_deposed: format!(
                "INSERT INTO {s}.deposed (workspace, addr, id, record)
                 SELECT $1, addr, id, record::jsonb
                 FROM unnest($2::text[], $3::text[], $4::text[]) AS r(addr, id, record)
                 ON CONFLICT (workspace, addr, id) DO UPDATE SET record = EXCLUDED.record"
            ),
            // A step moves the header from its serial to the next, or changes nothing.
            step_header: format!(
                "UPDATE {s}.states SET serial = $3::bigint, save_id = $4, saved_at = now(),
                     outputs = coalesce($5::text::jsonb, outputs),
                     sensitive_outputs = coalesce($6::text::jsonb, sensitive_outputs)
                 WHERE workspace = $1 AND lineage = $2 AND serial = $3::bigint - 1"
            ),
            remove_resources: format!(
                "DELETE FROM {s}.resources WHERE workspace = $1 AND addr = ANY($2::text[])"
            ),
            remove_intents: format!(
                "DELETE FROM {s}.intents WHERE workspace = $1 AND addr = ANY($2::text[])"
            ),
            remove_deposed: format!(
                "DELETE FROM {s}.deposed AS d USING unnest($2::text[], $3::text[]) AS gone(addr, id)
                 WHERE d.workspace = $1 AND d.addr = gone.addr AND d.id = gone.id"
            ),
            saved: format!("SELECT lineage, serial, save_id FROM {s}.states WHERE workspace = $1"),
            workspaces: format!("SELECT workspace FROM {s}.states ORDER BY workspace"),
            delete_header: format!("DELETE FROM {s}.states WHERE workspace = $1"),
            lock_info: format!(
                "SELECT id, operation, who, version, created, pid, session FROM {s}.locks WHERE workspace = $1"
            ),
            put_lock: format!(
                "INSERT INTO {s}.locks (workspace, id, operation, who, version, created, pid, session)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, pg_backend_pid())
                 ON CONFLICT (workspace) DO UPDATE SET
                     id = EXCLUDED.id, operation = EXCLUDED.operation, who = EXCLUDED.who,
                     version = EXCLUDED.version, created = EXCLUDED.created, pid = EXCLUDED.pid,
                     session = EXCLUDED.session"
            ),
            drop_lock: format!("DELETE FROM {s}.locks WHERE workspace = $1 AND id = $2"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_checked_and_quoted() {
        for good in ["snapform_remote_state", "_x", "Team1", &"a".repeat(63)] {
            check_schema_name(good).expect(good);
        }
        for bad in [
            "",
            "1abc",
            "a-b",
            "a b",
            "a\"b",
            "a;drop",
            "é",
            &"a".repeat(64),
        ] {
            assert!(check_schema_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(quote_ident("plain"), "\"plain\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn lock_keys_differ_by_schema_and_by_workspace() {
        let key = lock_key("s", "default");
        assert_eq!(key, lock_key("s", "default"), "stable");
        assert_ne!(key, lock_key("t", "default"));
        assert_ne!(key, lock_key("s", "staging"));
        // The parts are separated, so moving a character across the boundary changes the key.
        assert_ne!(lock_key("ab", "c"), lock_key("a", "bc"));
        assert_ne!(key, setup_key("s"));
    }
}
