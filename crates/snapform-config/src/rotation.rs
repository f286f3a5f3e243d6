//! A resource's `rotation` block (DESIGN §13): a cron schedule read in an IANA time zone, the
//! number of generations kept, and how old one may get. The schedule's ticks are computed by
//! croner over jiff's zoned times, so daylight saving is handled by the time zone database
//! jiff bundles, never by hand-written date code.

use std::time::Duration;

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use snapform_core::Span;

/// A parsed `rotation` block.
#[derive(Clone, Debug)]
pub struct Rotation {
    /// The schedule as written: five cron fields, or `@hourly`, `@daily`, `@weekly`,
    /// `@monthly`.
    pub schedule: String,
    cron: Cron,
    /// The IANA time zone the schedule is read in, `UTC` when absent.
    pub time_zone_name: String,
    time_zone: TimeZone,
    /// How many of the newest generations are kept (at least 1).
    pub keep: u32,
    /// Generations older than this expire even within `keep`.
    pub max_age: Option<Duration>,
    /// The block's header, where diagnostics about the series point.
    pub span: Span,
}

impl Rotation {
    /// A rotation from its checked parts.
    pub(crate) fn new(
        schedule: String,
        cron: Cron,
        time_zone_name: String,
        time_zone: TimeZone,
        keep: u32,
        max_age: Option<Duration>,
        span: Span,
    ) -> Rotation {
        Rotation {
            schedule,
            cron,
            time_zone_name,
            time_zone,
            keep,
            max_age,
            span,
        }
    }

    /// The latest tick at or before `now`: the generation a plan at `now` makes if it is
    /// missing. `None` only for a schedule that never fires.
    pub fn latest_tick(&self, now: Timestamp) -> Option<Timestamp> {
        self.tick_at_or_before(now)
    }

    /// The last tick at or before `instant`.
    pub fn tick_at_or_before(&self, instant: Timestamp) -> Option<Timestamp> {
        let zoned = instant.to_zoned(self.time_zone.clone());
        self.cron
            .find_previous_occurrence(&zoned, true)
            .ok()
            .map(|tick| tick.timestamp())
    }

    /// The first tick after `instant`, to say when the next generation is due.
    pub fn tick_after(&self, instant: Timestamp) -> Option<Timestamp> {
        let zoned = instant.to_zoned(self.time_zone.clone());
        self.cron
            .find_next_occurrence(&zoned, false)
            .ok()
            .map(|tick| tick.timestamp())
    }

    /// The time zone the schedule is read in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.time_zone
    }

    /// `"0 2 * * *" in Asia/Shanghai`, for plans and messages.
    pub fn describe(&self) -> String {
        format!("{:?} in {}", self.schedule, self.time_zone_name)
    }
}

/// Reads a schedule: five cron fields (minute, hour, day of month, month, day of week), or
/// one of `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.
pub(crate) fn parse_schedule(text: &str) -> Result<Cron, String> {
    let trimmed = text.trim();
    let n_fields = trimmed.split_whitespace().count();
    if !trimmed.starts_with('@') && n_fields != 5 {
        return Err(format!(
            "{text:?} has {n_fields} field{}; a schedule has five: minute, hour, day of month, month and day of week",
            if n_fields == 1 { "" } else { "s" }
        ));
    }
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
        .parse(trimmed)
        .map_err(|error| format!("{text:?} is not a cron schedule: {error}"))
}

/// Reads an IANA time zone name from the database jiff bundles.
pub(crate) fn parse_time_zone(name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name).map_err(|_| {
        format!("{name:?} is not an IANA time zone, such as \"UTC\", \"Asia/Shanghai\" or \"Europe/Berlin\"")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotation(schedule: &str, zone: &str) -> Rotation {
        Rotation::new(
            schedule.to_owned(),
            parse_schedule(schedule).expect("a schedule"),
            zone.to_owned(),
            parse_time_zone(zone).expect("a zone"),
            7,
            None,
            Span::new(snapform_core::SourceMap::new().add("x", ""), 0..0),
        )
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a timestamp")
    }

    #[test]
    fn ticks_are_read_in_the_time_zone() {
        let nightly = rotation("0 2 * * *", "Asia/Shanghai");
        // 02:00 in Shanghai is 18:00 UTC the day before: at 01:59 on the 6th in Shanghai,
        // the latest tick is 02:00 on the 5th.
        assert_eq!(
            nightly.latest_tick(at("2026-12-05T17:59:00Z")),
            Some(at("2026-12-04T18:00:00Z"))
        );
        assert_eq!(
            nightly.latest_tick(at("2026-12-05T18:00:00Z")),
            Some(at("2026-12-05T18:00:00Z"))
        );
        assert_eq!(
            nightly.tick_after(at("2026-12-05T18:00:00Z")),
            Some(at("2026-12-06T18:00:00Z"))
        );
        let daily = rotation("@daily", "UTC");
        assert_eq!(
            daily.latest_tick(at("2026-12-05T07:00:00Z")),
            Some(at("2026-12-05T00:00:00Z"))
        );
    }

    #[test]
    fn daylight_saving_moves_the_tick_in_utc() {
        // Berlin: 02:30 local is 01:30 UTC in winter and 00:30 UTC in summer.
        let nightly = rotation("30 2 * * *", "Europe/Berlin");
        assert_eq!(
            nightly.latest_tick(at("2026-03-01T12:00:00Z")),
            Some(at("2026-03-01T01:30:00Z"))
        );
        assert_eq!(
            nightly.latest_tick(at("2026-04-01T12:00:00Z")),
            Some(at("2026-04-01T00:30:00Z"))
        );
    }

    #[test]
    fn bad_schedules_and_zones_are_refused() {
        assert!(parse_schedule("0 2 * *").is_err());
        assert!(parse_schedule("0 0 2 * * *").is_err());
        assert!(parse_schedule("61 2 * * *").is_err());
        assert!(parse_schedule("@weekly").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(parse_time_zone("America/New_York").is_ok());
    }
}
