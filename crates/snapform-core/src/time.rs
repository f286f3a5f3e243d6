//! UTC calendar dates and times from Unix seconds, for signatures, lock info and intents.
//! Pure arithmetic (Howard Hinnant's civil-from-days): no clock is read here.

/// The (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DD`, the UTC date of a Unix time.
pub fn utc_date(unix_seconds: u64) -> String {
    let (year, month, day) = civil_from_days((unix_seconds / 86_400) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the RFC 3339 UTC form of a Unix time.
pub fn rfc3339_utc(unix_seconds: u64) -> String {
    let secs_of_day = unix_seconds % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        utc_date(unix_seconds),
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60
    )
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
