//! End-to-end tests of the `snapform` binary, run as a user would, in temporary directories.

mod adoption;
mod cloud;
mod converge;
mod discovery;
mod emulator;
mod examples;
mod failures;
mod fmt;
mod graph;
mod https;
mod interrupts;
mod json_contracts;
mod logging;
mod pg;
mod refactoring;
mod runs;
mod sensitive;
mod series;
mod state_commands;
mod support;
mod terraform_habits;
mod terraform_state;
mod validate;
mod variables;
