//! The `rotation` block of a resource: schedule, time zone, keep and max_age, each checked
//! with file:line:col, and the warning for a series whose names would all be alike.

use snapform_core::{Diagnostic, Value};

use super::Loader;
use super::decode::ResourceDecl;
use crate::duration::parse_duration;
use crate::eval::{self, Scope};
use crate::rotation::{Rotation, parse_schedule, parse_time_zone};
use crate::summary::summarize;
use crate::types::describe;

impl Loader {
    /// Reads `decl`'s `rotation` block, when it has one. Its values may come from variables
    /// and locals, never from other resources.
    pub(super) fn evaluate_rotation(
        &mut self,
        decl: &ResourceDecl<'_>,
        scope: &Scope<'_>,
    ) -> Option<Rotation> {
        let (span, attrs) = decl.rotation.as_ref()?;
        let scope = scope.clone().without_resources();
        let mut schedule = None;
        let mut time_zone = Some(("UTC".to_owned(), jiff::tz::TimeZone::UTC));
        let mut keep = None;
        let mut max_age = None;
        let mut ok = true;
        for attr in attrs {
            let value = match eval::evaluate(attr.expr(), &scope) {
                Ok(value) => value.unmark_deep().0,
                Err(diagnostic) => {
                    self.push(*diagnostic);
                    ok = false;
                    continue;
                }
            };
            let text = || value.as_str().map(str::to_owned);
            match attr.name() {
                "schedule" => match text().map(|text| (parse_schedule(&text), text)) {
                    Some((Ok(cron), text)) => schedule = Some((text, cron)),
                    Some((Err(why), _)) => {
                        ok = false;
                        self.error("invalid-schedule", why, attr.value_span()).help = Some(
                            "write five cron fields such as \"0 2 * * *\" (02:00 every day), or @hourly, @daily, @weekly, @monthly".to_owned(),
                        );
                    }
                    None => {
                        ok = false;
                        self.error(
                            "invalid-schedule",
                            format!("`schedule` must be a string, got {}", describe(&value)),
                            attr.value_span(),
                        );
                    }
                },
                "time_zone" => match text().map(|name| (parse_time_zone(&name), name)) {
                    Some((Ok(zone), name)) => time_zone = Some((name, zone)),
                    Some((Err(why), _)) => {
                        ok = false;
                        self.error("invalid-time-zone", why, attr.value_span()).help = Some(
                            "time zones are IANA names; the schedule is read in UTC when time_zone is absent".to_owned(),
                        );
                    }
                    None => {
                        ok = false;
                        self.error(
                            "invalid-time-zone",
                            format!("`time_zone` must be a string, got {}", describe(&value)),
                            attr.value_span(),
                        );
                    }
                },
                "keep" => match value.to_number() {
                    Some(n) if n >= 1.0 && n.fract() == 0.0 && n <= f64::from(u32::MAX) => {
                        keep = Some(n as u32);
                    }
                    _ => {
                        ok = false;
                        self.error(
                            "invalid-keep",
                            format!(
                                "`keep` must be a whole number of generations, at least 1, got {}",
                                describe(&value)
                            ),
                            attr.value_span(),
                        )
                        .help = Some(
                            "a series keeps at least its newest generation; keep = 7 keeps a week of nightly backups".to_owned(),
                        );
                    }
                },
                "max_age" => match value.as_str().map(parse_duration) {
                    Some(Ok(age)) => max_age = Some(age),
                    Some(Err(why)) => {
                        ok = false;
                        self.error(
                            "invalid-duration",
                            format!("invalid `max_age`: {why}"),
                            attr.value_span(),
                        )
                        .help = Some(
                            "write a duration such as \"30d\", \"72h\" or \"1d12h\"".to_owned(),
                        );
                    }
                    None => {
                        ok = false;
                        self.error(
                            "invalid-duration",
                            format!(
                                "`max_age` must be a duration string such as \"30d\", got {}",
                                describe(&value)
                            ),
                            attr.value_span(),
                        );
                    }
                },
                other => {
                    ok = false;
                    self.unsupported_argument(
                        *attr,
                        other,
                        &["schedule", "time_zone", "keep", "max_age"],
                        "a rotation block",
                    );
                }
            }
        }
        for (name, present) in [("schedule", schedule.is_some()), ("keep", keep.is_some())] {
            if !present && !attrs.iter().any(|attr| attr.name() == name) {
                ok = false;
                self.error(
                    "missing-argument",
                    format!("the rotation block of `{}` needs `{name}`", decl.addr),
                    *span,
                )
                .help =
                    Some("for example: rotation { schedule = \"0 2 * * *\"  keep = 7 }".to_owned());
            }
        }
        self.warn_on_names_without_rotation_time(decl);
        let ((schedule, cron), (zone_name, zone), keep) = (schedule?, time_zone?, keep?);
        ok.then(|| Rotation::new(schedule, cron, zone_name, zone, keep, max_age, *span))
    }

    /// Two generations of one series need different names to be told apart after a lost
    /// response: a name that does not use `rotation.time` gets a warning.
    fn warn_on_names_without_rotation_time(&mut self, decl: &ResourceDecl<'_>) {
        let Some(name_arg) = decl.schema.argument(decl.schema.name_argument) else {
            return;
        };
        let written = decl
            .arguments
            .iter()
            .find(|attr| attr.name() == name_arg.name);
        let uses_time = written.is_some_and(|attr| {
            summarize(attr.expr())
                .references
                .iter()
                .any(|reference| reference == "rotation.time")
        });
        if uses_time {
            return;
        }
        let span = written.map_or(decl.span, |attr| attr.value_span());
        self.push(
            Diagnostic::warning(
                "series-name-without-time",
                format!(
                    "the generations of `{}` would all have the same `{}`",
                    decl.addr, name_arg.name
                ),
                span,
            )
            .with_help(format!(
                "put the tick in the name, as `{} = \"nightly-${{formatdate(\"YYYYMMDD\", rotation.time)}}\"`, so a generation is found exactly after a lost response",
                name_arg.name
            )),
        );
    }
}

/// `rotation.time` of a tick, as expressions read it: RFC 3339 with the offset of the
/// rotation's time zone, so `formatdate("YYYYMMDD", rotation.time)` is the local date of the
/// tick (the generation's address stays in UTC).
pub(crate) fn time_value(tick: jiff::Timestamp, zone: &jiff::tz::TimeZone) -> Value {
    let zoned = tick.to_zoned(zone.clone());
    if zoned.offset() == jiff::tz::Offset::UTC {
        return Value::String(tick.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    }
    Value::String(zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
}
