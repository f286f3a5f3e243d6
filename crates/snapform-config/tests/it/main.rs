//! Integration tests of the configuration loader: golden models of valid configurations.

mod formatting_keeps_meaning;
mod golden;
