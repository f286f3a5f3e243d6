//! The figures of a chaos run: what was done (rounds, kills, drift, faults, hostile answers),
//! how snapform took it (runs to converge, time and memory per hostile mode), and every check
//! with its failures; printed as one table and, with `--json`, as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::Args;
use crate::checks::{Check, Outcome};
use crate::hostile::{Counts, Mode};

/// One run against the hostile server.
#[derive(Debug)]
pub struct HostileFigure {
    /// The mode.
    pub mode: Mode,
    /// What the server did.
    pub counts: Counts,
    /// How long the run took.
    pub elapsed: Duration,
    /// Its exit code.
    pub code: Option<i32>,
    /// Killed for outliving the bound.
    pub timed_out: bool,
    /// Its peak memory.
    pub peak_rss_kib: u64,
    /// Its first `error:` line, when it failed.
    pub error: String,
}

/// Everything a chaos run reports.
#[derive(Debug, Default)]
pub struct Figures {
    /// The settings, as shown.
    pub settings: Vec<(String, String)>,
    /// Kills delivered, by command.
    pub kills: BTreeMap<String, usize>,
    /// Runs that finished before their kill moment.
    pub finished_before_kill: usize,
    /// The runs each convergence took.
    pub runs_to_converge: Vec<usize>,
    /// Objects deleted behind snapform's back.
    pub drift_deleted: usize,
    /// Objects renamed behind snapform's back.
    pub drift_renamed: usize,
    /// One entry per hostile mode run.
    pub hostile: Vec<HostileFigure>,
    /// How often each check was made.
    pub made: BTreeMap<Check, usize>,
    /// How often each check failed.
    pub failed: BTreeMap<Check, usize>,
    /// Every failure: where, which check, why.
    pub failures: Vec<(String, Check, String)>,
    /// Runs that failed on the way to converging (expected under faults), for the log.
    pub notes: Vec<String>,
    /// Temporary copies of the state that killed writes left in the project, never removed.
    pub state_temporaries: std::collections::BTreeSet<String>,
    /// snapform runs.
    pub n_runs: usize,
    /// The longest successful or failed honest apply.
    pub longest_apply: Duration,
    /// The emulator's counters.
    pub stats: Json,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

impl Figures {
    /// Empty figures for a run with `args`.
    pub fn new(args: &Args, modes: &[Mode]) -> Figures {
        let settings = vec![
            ("resources".to_owned(), args.resources.to_string()),
            ("apply rounds".to_owned(), args.rounds.to_string()),
            ("destroy rounds".to_owned(), args.destroy_rounds.to_string()),
            (
                "faults".to_owned(),
                args.fault_spec().unwrap_or_else(|| "none".to_owned()),
            ),
            ("seed".to_owned(), args.seed.to_string()),
            (
                "hostile modes".to_owned(),
                if modes.is_empty() {
                    "none".to_owned()
                } else {
                    modes
                        .iter()
                        .map(|mode| mode.name())
                        .collect::<Vec<_>>()
                        .join(",")
                },
            ),
            (
                "hostile rate, bound".to_owned(),
                format!("{}, {:?}", args.hostile_rate, args.hostile_timeout),
            ),
            ("ready after".to_owned(), format!("{:?}", args.ready_after)),
            (
                "rate limit".to_owned(),
                format!("{} req/s per action", args.rate_limit),
            ),
            (
                "build".to_owned(),
                if cfg!(debug_assertions) {
                    "debug"
                } else {
                    "release"
                }
                .to_owned(),
            ),
        ];
        Figures {
            settings,
            ..Figures::default()
        }
    }

    /// Adds one batch of checks made at `label`.
    pub fn absorb(&mut self, label: &str, outcome: Outcome) {
        for check in outcome.made {
            *self.made.entry(check).or_default() += 1;
        }
        let mut failed_here = std::collections::BTreeSet::new();
        for (check, why) in outcome.failures {
            if failed_here.insert(check) {
                *self.failed.entry(check).or_default() += 1;
            }
            self.failures.push((label.to_owned(), check, why));
        }
    }

    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    fn faults(&self) -> Vec<(String, u64)> {
        self.stats["faults"]
            .as_object()
            .map(|faults| {
                faults
                    .iter()
                    .map(|(kind, n)| (kind.clone(), n.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The human table.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\nsnapform chaos");
        for (name, value) in &self.settings {
            let _ = writeln!(out, "  {name:<22} {value}");
        }
        let _ = writeln!(out, "\n{:<34} value", "figure");
        let row = |out: &mut String, name: &str, value: String| {
            let _ = writeln!(out, "{name:<34} {value}");
        };
        row(
            &mut out,
            "kills -9 delivered",
            format!(
                "apply {}, destroy {} ({} runs finished before their moment)",
                self.kills.get("apply").copied().unwrap_or(0),
                self.kills.get("destroy").copied().unwrap_or(0),
                self.finished_before_kill
            ),
        );
        row(
            &mut out,
            "drift behind snapform's back",
            format!(
                "{} deleted, {} renamed",
                self.drift_deleted, self.drift_renamed
            ),
        );
        let faults = self.faults();
        row(
            &mut out,
            "faults injected",
            if faults.is_empty() {
                "none".to_owned()
            } else {
                faults
                    .iter()
                    .map(|(kind, n)| format!("{kind} {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
        row(
            &mut out,
            "API requests (throttled)",
            format!(
                "{} ({})",
                self.stats["total_requests"].as_u64().unwrap_or(0),
                self.stats["total_throttled"].as_u64().unwrap_or(0)
            ),
        );
        let max_runs = self.runs_to_converge.iter().copied().max().unwrap_or(0);
        let mean = if self.runs_to_converge.is_empty() {
            0.0
        } else {
            self.runs_to_converge.iter().sum::<usize>() as f64 / self.runs_to_converge.len() as f64
        };
        row(
            &mut out,
            "runs to converge",
            format!(
                "max {max_runs}, mean {mean:.2} over {} convergences",
                self.runs_to_converge.len()
            ),
        );
        row(
            &mut out,
            "longest apply",
            format!("{:.1} s", self.longest_apply.as_secs_f64()),
        );
        row(
            &mut out,
            "temporary state files left",
            format!(
                "{} (writes a kill interrupted; they hold the state's values)",
                self.state_temporaries.len()
            ),
        );
        row(&mut out, "snapform runs", self.n_runs.to_string());
        row(
            &mut out,
            "wall time",
            format!("{:.0} s", self.elapsed.as_secs_f64()),
        );
        if !self.hostile.is_empty() {
            let _ = writeln!(
                out,
                "\n{:<16} {:>10} {:>9} {:>9} {:>6} {:>9}  first error line",
                "hostile mode", "corrupted", "time", "held", "exit", "peak MiB"
            );
            for figure in &self.hostile {
                let exit = if figure.timed_out {
                    "hung".to_owned()
                } else {
                    figure
                        .code
                        .map_or("signal".to_owned(), |code| code.to_string())
                };
                let mut error = figure.error.clone();
                if error.len() > 100 {
                    let mut end = 100;
                    while !error.is_char_boundary(end) {
                        end -= 1;
                    }
                    error.truncate(end);
                    error.push_str("...");
                }
                let _ = writeln!(
                    out,
                    "{:<16} {:>10} {:>8.1}s {:>8.1}s {:>6} {:>9}  {error}",
                    figure.mode.name(),
                    format!("{}/{}", figure.counts.corrupted, figure.counts.answered),
                    figure.elapsed.as_secs_f64(),
                    figure.counts.longest_hold.as_secs_f64(),
                    exit,
                    figure.peak_rss_kib / 1024,
                );
            }
        }
        let _ = writeln!(out, "\n{:<34} {:>6} {:>6}", "check", "made", "failed");
        for check in Check::ALL {
            let made = self.made.get(&check).copied().unwrap_or(0);
            let failed = self.failed.get(&check).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "{:<34} {made:>6} {failed:>6}  {}",
                check.name(),
                if made == 0 {
                    "-"
                } else if failed == 0 {
                    "PASS"
                } else {
                    "FAIL"
                }
            );
        }
        if !self.failures.is_empty() {
            let _ = writeln!(out, "\nfailures ({}):", self.failures.len());
            for (label, check, why) in self.failures.iter().take(60) {
                let _ = writeln!(out, "  {label}: {}: {why}", check.name());
            }
            if self.failures.len() > 60 {
                let _ = writeln!(out, "  ... and {} more", self.failures.len() - 60);
            }
        }
        let n_made: usize = self.made.values().sum();
        let n_failed: usize = self.failed.values().sum();
        let _ = writeln!(
            out,
            "\nchaos: {} passed, {n_failed} failed",
            n_made - n_failed
        );
        out
    }

    /// The same figures as JSON.
    pub fn json(&self) -> Json {
        json!({
            "settings": self.settings.iter().cloned().collect::<BTreeMap<String, String>>(),
            "kills": self.kills,
            "finished_before_kill": self.finished_before_kill,
            "runs_to_converge": self.runs_to_converge,
            "drift": {"deleted": self.drift_deleted, "renamed": self.drift_renamed},
            "faults": self.faults().into_iter().collect::<BTreeMap<String, u64>>(),
            "emulator_stats": self.stats,
            "hostile": self.hostile.iter().map(|figure| json!({
                "mode": figure.mode.name(),
                "answered": figure.counts.answered,
                "corrupted": figure.counts.corrupted,
                "corrupted_bytes": figure.counts.bytes_sent,
                "seconds": figure.elapsed.as_secs_f64(),
                "longest_hold_seconds": figure.counts.longest_hold.as_secs_f64(),
                "exit": figure.code,
                "hung": figure.timed_out,
                "peak_rss_mib": figure.peak_rss_kib / 1024,
                "error": figure.error,
            })).collect::<Vec<_>>(),
            "checks": Check::ALL.iter().map(|check| json!({
                "check": check.name(),
                "made": self.made.get(check).copied().unwrap_or(0),
                "failed": self.failed.get(check).copied().unwrap_or(0),
            })).collect::<Vec<_>>(),
            "failures": self.failures.iter().map(|(label, check, why)| json!({
                "where": label, "check": check.name(), "why": why,
            })).collect::<Vec<_>>(),
            "notes": self.notes,
            "state_temporaries": self.state_temporaries,
            "snapform_runs": self.n_runs,
            "longest_apply_seconds": self.longest_apply.as_secs_f64(),
            "seconds": self.elapsed.as_secs_f64(),
        })
    }
}
