//! Starting emulators for tests.

use std::time::{Duration, SystemTime};

use snapform_emulator::{EmulatorConfig, ManualClock, RunningEmulator, spawn};

use crate::client::Client;

/// A stopped clock at a fixed, recent instant.
pub fn clock() -> ManualClock {
    ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_798_400))
}

/// The default configuration with a manual clock, readiness after 10 s, no rate limit.
pub fn config(clock: &ManualClock) -> EmulatorConfig {
    EmulatorConfig {
        clock: std::sync::Arc::new(clock.clone()),
        ready_after: Duration::from_secs(10),
        rate_limit: 0,
        ..EmulatorConfig::default()
    }
}

/// An emulator on a manual clock plus a client signing with the same clock.
pub async fn start() -> (RunningEmulator, Client, ManualClock) {
    let clock = clock();
    start_with(config(&clock), clock).await
}

pub async fn start_with(
    config: EmulatorConfig,
    clock: ManualClock,
) -> (RunningEmulator, Client, ManualClock) {
    let emulator = spawn(config).await.expect("emulator starts");
    let client = Client::new(emulator.addr()).with_clock(&clock);
    (emulator, client, clock)
}
