//! Backends against real storage: the `pg` backend against a PostgreSQL server of the tests'
//! own (one cluster for this binary, a fresh database per test).

mod pg;
