//! Everything the user sees: diagnostics, plans and progress are rendered here and only here.

pub mod diagnostics;
pub mod graph;
pub mod machine;
pub mod markdown;
pub mod outputs;
pub mod plan;
pub mod plan_json;
pub mod progress;
pub mod record;

#[cfg(test)]
mod golden_tests;
