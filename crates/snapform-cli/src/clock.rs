//! The current time as RFC 3339 UTC text, for lock info.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, as RFC 3339 UTC.
pub fn now() -> String {
    snapform_core::time::rfc3339_utc(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs()),
    )
}
