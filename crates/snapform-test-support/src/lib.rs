//! Dev-only helpers shared by the tests of several crates; only ever a `[dev-dependencies]`
//! entry.
//!
//! [`pg`] runs a real PostgreSQL server for the `pg` backend's tests, never a mock: a cluster
//! made with `initdb` in a temporary directory and started with `pg_ctl` on a free loopback
//! port. It depends on no workspace crate, so any crate's tests can use it.

pub mod pg;
