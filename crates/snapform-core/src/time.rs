//! UTC calendar dates and times from Unix seconds, for signatures, lock info and intents,
//! computed by jiff: no clock is read here.

/// The time at `unix_seconds`, clamped into jiff's range.
fn timestamp(unix_seconds: u64) -> jiff::Timestamp {
    let seconds = i64::try_from(unix_seconds).unwrap_or(i64::MAX);
    jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::MAX)
}

/// `YYYY-MM-DD`, the UTC date of a Unix time.
pub fn utc_date(unix_seconds: u64) -> String {
    timestamp(unix_seconds).strftime("%Y-%m-%d").to_string()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the RFC 3339 UTC form of a Unix time.
pub fn rfc3339_utc(unix_seconds: u64) -> String {
    timestamp(unix_seconds)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_are_utc() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_716_193_800), "2024-05-20T08:30:00Z");
        assert_eq!(rfc3339_utc(1_716_249_599), "2024-05-20T23:59:59Z");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_716_249_599), "2024-05-20");
        assert_eq!(utc_date(1_716_249_600), "2024-05-21");
    }
}
