//! Plans: compares the configuration with the refreshed state and decides, for every resource
//! instance, whether to create, update, replace, delete, adopt or leave it alone, and in which
//! order.
//!
//! The planner is pure and synchronous: it does no I/O, reads no clock and calls no cloud.
//! Refresh (reading the clouds) happens before, through providers; its result is one of the
//! inputs. The plan it returns is fully resolved: the apply engine follows its edges and makes
//! no choice the plan did not record.

pub mod adoption;
mod diff;
mod graph;
mod model;
pub mod planfile;
mod refactor;
mod refresh;
mod series;
mod values;

pub use diff::{PlanInputs, plan};
pub use model::{
    Action, ActionReason, Blocked, Counts, Drift, DriftKind, EdgeKind, PLAN_FORMAT_VERSION, Plan,
    PlanMode, ResourceChange, Timeouts,
};
pub use refactor::ImportReads;
pub use refresh::{RefreshResult, Refreshed, as_recorded, refreshed_state, status_of};
pub use values::{PlannedValues, StateValues, arguments_now, normalize, outputs_now};
