//! Dev-only helpers shared by the tests of several crates; only ever a `[dev-dependencies]`
//! entry. They depend on no workspace crate, so any crate's tests can use them.
//!
//! - [`hostile`]: a server that answers every request the way a broken or hostile cloud would.
//! - [`pg`]: a real PostgreSQL server for the `pg` backend's tests, never a mock: a cluster
//!   made with `initdb` in a temporary directory and started with `pg_ctl` on a free loopback
//!   port.

pub mod hostile;
pub mod pg;
