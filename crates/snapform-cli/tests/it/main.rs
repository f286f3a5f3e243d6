//! End-to-end tests of the `snapform` binary, run as a user would, in temporary directories.

mod adoption;
mod cloud;
mod emulator;
mod examples;
mod fmt;
mod graph;
mod https;
mod json_contracts;
mod lifecycle;
mod pg;
mod sensitive;
mod series;
mod support;
mod terraform_habits;
mod validate;
mod variables;
