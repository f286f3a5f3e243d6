//! Integration tests of snapform-emulator: every behaviour driven over real HTTP on loopback.

mod behaviour;
mod cbs;
mod client;
mod control;
mod discovery;
mod ecd;
mod ens;
mod https;
mod lighthouse;
mod persistence;
mod signing;
mod support;
