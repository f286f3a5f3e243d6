//! Durations as Terraform writes them in `timeouts` blocks (`30s`, `10m`, `1h30m`), and in
//! days for a rotation's `max_age` (`30d`).

use std::time::Duration;

/// Parses a Go-style duration made of `<number><unit>` parts with units `ms`, `s`, `m`, `h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("a duration must not be empty".to_owned());
    }
    let mut total = 0.0_f64;
    while !rest.is_empty() {
        let n_digits = rest
            .find(|ch: char| !(ch.is_ascii_digit() || ch == '.'))
            .ok_or_else(|| format!("{text:?} needs a unit such as s, m or h"))?;
        if n_digits == 0 {
            return Err(format!(
                "{text:?} is not a duration such as 30s, 10m or 1h30m"
            ));
        }
        let number: f64 = rest[..n_digits]
            .parse()
            .map_err(|_| format!("{text:?} is not a duration such as 30s, 10m or 1h30m"))?;
        rest = &rest[n_digits..];
        let n_unit = rest
            .find(|ch: char| ch.is_ascii_digit())
            .unwrap_or(rest.len());
        let seconds = match &rest[..n_unit] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            unit => {
                return Err(format!(
                    "unknown unit {unit:?} in {text:?}; use ms, s, m, h or d"
                ));
            }
        };
        total += number * seconds;
        rest = &rest[n_unit..];
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("10").is_err());
        assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert!(parse_duration("10w").is_err());
        assert!(parse_duration("").is_err());
    }
}
