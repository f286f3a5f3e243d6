//! End-to-end tests of the `snapform` binary, run as a user would, in temporary directories.

mod emulator;
mod fmt;
mod support;
mod validate;
