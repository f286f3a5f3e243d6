//! Durations as people type them on the command line and in fault specs (`500ms`, `2s`, `1m`).

use std::time::Duration;

use crate::error::Error;

/// Parses `250ms`, `2s`, `1.5s`, `3m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, Error> {
    let text = text.trim();
    let invalid = || Error::InvalidDuration(text.to_owned());
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "us" => value / 1_000_000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(invalid()),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(invalid());
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").ok(), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_duration("200ms").ok(),
            Some(Duration::from_millis(200))
        );
        assert_eq!(parse_duration("0").ok(), Some(Duration::ZERO));
        assert_eq!(
            parse_duration("1.5s").ok(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_duration("2m").ok(), Some(Duration::from_secs(120)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("2 parsecs").is_err());
    }
}
