//! The figures a run produces, the table they are printed as, the JSON they are written as,
//! and the bounds they are compared with.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

/// What a figure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Unit {
    /// Milliseconds.
    #[serde(rename = "ms")]
    Millis,
    /// Seconds.
    #[serde(rename = "s")]
    Seconds,
    /// Megabytes (2^20 bytes).
    #[serde(rename = "MB")]
    Megabytes,
    /// Megabytes (10^6 bytes) per second.
    #[serde(rename = "MB/s")]
    MegabytesPerSecond,
    /// API calls.
    #[serde(rename = "calls")]
    Calls,
    /// API calls per resource.
    #[serde(rename = "calls/resource")]
    CallsPerResource,
    /// A percentage.
    #[serde(rename = "%")]
    Percent,
    /// A ratio to a bound (1 is the bound).
    #[serde(rename = "x")]
    Ratio,
    /// Requests per second.
    #[serde(rename = "req/s")]
    PerSecond,
    /// A plain count.
    #[serde(rename = "count")]
    Count,
    /// Microseconds.
    #[serde(rename = "us")]
    Micros,
    /// Kilobytes (10^3 bytes).
    #[serde(rename = "KB")]
    Kilobytes,
}

/// What a figure must be to pass.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// At most this.
    AtMost(f64),
    /// At least this.
    AtLeast(f64),
}

impl Target {
    /// Whether `value` meets the target.
    pub fn met_by(self, value: f64) -> bool {
        match self {
            Target::AtMost(limit) => value <= limit,
            Target::AtLeast(limit) => value >= limit,
        }
    }
}

/// One measured number, with Terraform's way beside it when there is one.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// The row number (1 to 6; 7 for the 5,000-create row of issue 6).
    pub row: u32,
    /// What was measured (`apply 1,000 creates`).
    pub workload: String,
    /// Which number of it (`wall time`).
    pub metric: String,
    /// Its unit.
    pub unit: Unit,
    /// snapform's value.
    pub snapform: f64,
    /// The same workload run Terraform's way.
    pub terraform: Option<f64>,
    /// What snapform's value must be.
    pub target: Option<Target>,
    /// Whether snapform's value meets the target, when there is one.
    pub pass: Option<bool>,
}

impl Figure {
    /// A figure without comparison or target.
    pub fn new(row: u32, workload: &str, metric: &str, unit: Unit, snapform: f64) -> Figure {
        Figure {
            row,
            workload: workload.to_owned(),
            metric: metric.to_owned(),
            unit,
            snapform,
            terraform: None,
            target: None,
            pass: None,
        }
    }

    /// With Terraform's value beside it.
    pub fn vs(mut self, terraform: Option<f64>) -> Figure {
        self.terraform = terraform;
        self
    }

    /// With a target.
    pub fn target(mut self, target: Target) -> Figure {
        self.target = Some(target);
        self.pass = self.verdict();
        self
    }

    /// PASS or FAIL when there is a target.
    pub fn verdict(&self) -> Option<bool> {
        self.target.map(|target| target.met_by(self.snapform))
    }
}

/// Everything one run measured.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// `default` or `quick`.
    pub mode: String,
    /// The sizes and settings used, for the JSON reader.
    pub settings: BTreeMap<String, serde_json::Value>,
    /// The figures, in row order.
    pub figures: Vec<Figure>,
    /// What went wrong or deserves a look (failed steps, missing resources).
    pub notes: Vec<String>,
    /// Per run: the emulator's requests per action and error codes, for finding where the
    /// calls went.
    pub details: BTreeMap<String, serde_json::Value>,
    /// How long the whole run took, in seconds.
    pub total_seconds: f64,
}

impl Report {
    /// Adds a figure.
    pub fn push(&mut self, figure: Figure) {
        self.figures.push(figure);
    }

    /// The figures as a table, one line per figure, rows separated by a blank line.
    pub fn table(&self) -> String {
        let header = [
            "#",
            "workload",
            "metric",
            "snapform",
            "Terraform's way",
            "target",
            "",
        ];
        let mut lines: Vec<[String; 7]> = Vec::new();
        let mut last: Option<(u32, &str)> = None;
        for figure in &self.figures {
            let same = last == Some((figure.row, figure.workload.as_str()));
            last = Some((figure.row, figure.workload.as_str()));
            lines.push([
                if same {
                    String::new()
                } else {
                    figure.row.to_string()
                },
                if same {
                    String::new()
                } else {
                    figure.workload.clone()
                },
                figure.metric.clone(),
                format_value(figure.unit, figure.snapform),
                figure
                    .terraform
                    .map(|value| format_value(figure.unit, value))
                    .unwrap_or_default(),
                figure
                    .target
                    .map(|target| format_target(figure.unit, target))
                    .unwrap_or_default(),
                match figure.verdict() {
                    Some(true) => "PASS".to_owned(),
                    Some(false) => "FAIL".to_owned(),
                    None => String::new(),
                },
            ]);
        }
        let mut widths = header.map(str::len);
        for line in &lines {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        // Numbers are right-aligned, words left-aligned.
        let right = [false, false, false, true, true, false, false];
        let render = |cells: &[String; 7]| {
            let mut text = String::new();
            for (idx, cell) in cells.iter().enumerate() {
                let pad = widths[idx] - cell.chars().count();
                if idx > 0 {
                    text.push_str("  ");
                }
                if right[idx] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            text.trim_end().to_owned()
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", render(&header.map(str::to_owned)));
        let _ = writeln!(
            out,
            "{}",
            render(&widths.map(|width| "-".repeat(width))).trim_end()
        );
        for (idx, line) in lines.iter().enumerate() {
            if idx > 0 && !line[0].is_empty() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", render(line));
        }
        out
    }
}

/// A value in its unit, as the table shows it.
pub fn format_value(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Millis => format!("{value:.1} ms"),
        Unit::Seconds => format!("{value:.2} s"),
        Unit::Megabytes => format!("{value:.1} MB"),
        Unit::MegabytesPerSecond => format!("{value:.1} MB/s"),
        Unit::Calls => format!("{} calls", thousands(value)),
        Unit::CallsPerResource => format!("{value:.2} /res"),
        Unit::Percent => format!("{value:.2} %"),
        Unit::Ratio => format!("{value:.2}x"),
        Unit::PerSecond => format!("{} /s", thousands(value)),
        Unit::Count => thousands(value),
        Unit::Micros => format!("{value:.0} µs"),
        Unit::Kilobytes => format!("{value:.2} KB"),
    }
}

fn format_target(unit: Unit, target: Target) -> String {
    match target {
        Target::AtMost(limit) => format!("<= {}", format_value(unit, limit)),
        Target::AtLeast(limit) => format!(">= {}", format_value(unit, limit)),
    }
}

/// A whole number with thousands separators (`12,345`).
pub fn thousands(value: f64) -> String {
    let rounded = value.round();
    let digits = format!("{}", rounded.abs() as u64);
    let mut res = String::new();
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx) % 3 == 0 {
            res.push(',');
        }
        res.push(digit);
    }
    if rounded < 0.0 {
        res.insert(0, '-');
    }
    res
}

/// The rate-limit bound of a run (DESIGN §10): the busiest action's calls at `rate` per
/// second, plus the time the cloud takes to finish the last change (readiness, or an
/// asynchronous deletion).
pub fn rate_limit_bound(
    calls_per_action: &BTreeMap<String, usize>,
    rate: f64,
    wait: Duration,
) -> Duration {
    let busiest = calls_per_action.values().copied().max().unwrap_or(0);
    Duration::from_secs_f64(busiest as f64 / rate) + wait
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_is_the_busiest_action_plus_the_wait() {
        let calls = BTreeMap::from([
            ("cbs.CreateDiskBackup".to_owned(), 200),
            ("ecd.CreateSnapshot".to_owned(), 240),
        ]);
        assert_eq!(
            rate_limit_bound(&calls, 20.0, Duration::from_secs(3)),
            Duration::from_secs(15)
        );
        assert_eq!(
            rate_limit_bound(&BTreeMap::new(), 20.0, Duration::from_secs(2)),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(format_value(Unit::Calls, 10100.0), "10,100 calls");
        assert_eq!(format_value(Unit::Ratio, 1.049), "1.05x");
        assert_eq!(
            format_target(Unit::Percent, Target::AtMost(1.0)),
            "<= 1.00 %"
        );
    }

    #[test]
    fn table_aligns_columns_and_marks_targets() {
        let mut report = Report::default();
        report.push(
            Figure::new(2, "plan 10,000", "time", Unit::Millis, 512.25)
                .target(Target::AtMost(1000.0)),
        );
        report.push(
            Figure::new(2, "plan 10,000", "peak memory", Unit::Megabytes, 250.0)
                .target(Target::AtMost(200.0)),
        );
        report.push(Figure::new(4, "apply", "wall time", Unit::Seconds, 12.5).vs(Some(210.0)));
        let table = report.table();
        let expected = "\
#  workload     metric       snapform  Terraform's way  target
-  -----------  -----------  --------  ---------------  ------------  ----
2  plan 10,000  time         512.2 ms                   <= 1000.0 ms  PASS
                peak memory  250.0 MB                   <= 200.0 MB   FAIL

4  apply        wall time     12.50 s         210.00 s
";
        assert_eq!(table, expected);
    }
}
