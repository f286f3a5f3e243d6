//! Request counters served by `GET /_emulator/stats`.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counters since start or the last reset. Keys of the per-action maps are `service.Action`
/// (`cbs.CreateDiskBackup`, `ecd.CreateSnapshot`).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Stats {
    /// Every API request that reached the emulator (control routes excluded).
    pub(crate) total_requests: u64,
    /// Requests answered with the throttling error (rate limit or injected).
    pub(crate) total_throttled: u64,
    /// Requests per action, including refused ones whose action was known.
    pub(crate) requests: BTreeMap<String, u64>,
    /// Throttled answers per action.
    pub(crate) throttled: BTreeMap<String, u64>,
    /// Error answers per error code.
    pub(crate) errors: BTreeMap<String, u64>,
    /// Injected faults per kind (`5xx`, `throttle`, `busy`, `reset`, `lost`, `latency`).
    pub(crate) faults: BTreeMap<String, u64>,
}

impl Stats {
    pub(crate) fn request(&mut self, key: Option<&str>) {
        self.total_requests += 1;
        if let Some(key) = key {
            *self.requests.entry(key.to_owned()).or_default() += 1;
        }
    }

    pub(crate) fn throttled(&mut self, key: &str) {
        self.total_throttled += 1;
        *self.throttled.entry(key.to_owned()).or_default() += 1;
    }

    pub(crate) fn error(&mut self, code: &str) {
        *self.errors.entry(code.to_owned()).or_default() += 1;
    }

    pub(crate) fn fault(&mut self, kind: &str) {
        *self.faults.entry(kind.to_owned()).or_default() += 1;
    }
}
