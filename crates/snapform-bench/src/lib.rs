//! What the two binaries of this crate share: the generated workloads.
//!
//! `snapform-bench` (`src/main.rs`) measures snapform against its performance targets;
//! `snapform-chaos` (`src/chaos/main.rs`) drives the real `snapform` binary against a
//! standalone emulator under faults, kill -9 and hostile answers, and checks that nothing is
//! lost or duplicated. Both build their configurations, states and emulator inventories from
//! [`workload`], so a chaos run and a benchmark row over the same size have the same shape.

pub mod runs;
pub mod standalone;
pub mod workload;
