//! UTC calendar dates and times from Unix seconds, for signatures, lock info and intents, and
//! the creation times the clouds report, computed by jiff: no clock is read here.

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

/// A creation time as a cloud reports it: RFC 3339 with an offset (Alibaba), or a date and a
/// time without one (Tencent's `2026-12-05 02:00:00`, documented only as a string). A time
/// without an offset is read as UTC: Tencent's are probably UTC+8, and reading them as UTC
/// puts them up to eight hours later than they are, never earlier, so a lookup that keeps what
/// was created after an intent never drops the object the intent made.
pub fn parse_cloud_time(text: &str) -> Option<jiff::Timestamp> {
    let text = text.trim();
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Some(timestamp);
    }
    let naive = text.replacen(' ', "T", 1);
    let civil: jiff::civil::DateTime = naive.parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|zoned| zoned.timestamp())
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

    #[test]
    fn cloud_times_with_and_without_an_offset() {
        let utc = |text: &str| parse_cloud_time(text).map(|time| time.to_string());
        assert_eq!(
            utc("2026-12-05T02:00:00Z").as_deref(),
            Some("2026-12-05T02:00:00Z")
        );
        assert_eq!(
            utc("2026-12-05T10:00:00+08:00").as_deref(),
            Some("2026-12-05T02:00:00Z")
        );
        assert_eq!(
            utc("2026-12-05 02:00:00").as_deref(),
            Some("2026-12-05T02:00:00Z")
        );
        assert_eq!(
            utc("2026-12-05T02:00:00").as_deref(),
            Some("2026-12-05T02:00:00Z")
        );
        assert_eq!(utc("yesterday"), None);
        assert_eq!(utc(""), None);
    }
}
