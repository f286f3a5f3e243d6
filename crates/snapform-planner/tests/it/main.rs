//! Properties of the planner.

mod deterministic;
