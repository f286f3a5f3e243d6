//! How long each phase of a command took, in the log: with `SNAPFORM_LOG=debug` a run says
//! when it has loaded the configuration, read the state, refreshed, planned, checked the
//! planned creates, walked the plan and folded its saved steps, each with its duration and
//! size, so a user whose run is slow sees where the time goes before reaching for a profiler.

use std::time::Instant;

/// The log target of these lines; the log turns it on with the level of snapform's crates.
pub const TARGET: &str = "snapform::phase";

/// A phase being timed from now.
pub struct Phase {
    started: Instant,
}

/// Starts timing a phase.
pub fn start() -> Phase {
    Phase {
        started: Instant::now(),
    }
}

impl Phase {
    /// Logs that `phase` ended, with what it handled (`what`: "100000 records"), and starts
    /// timing the next one.
    pub fn done(&mut self, phase: &str, what: std::fmt::Arguments<'_>) {
        let elapsed = self.started.elapsed();
        tracing::debug!(
            target: TARGET,
            phase,
            seconds = format_args!("{:.3}", elapsed.as_secs_f64()),
            "{what}"
        );
        self.started = Instant::now();
    }
}
