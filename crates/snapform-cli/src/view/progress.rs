//! Apply progress: one Terraform-style line per event (`Creating...`, `Still creating... [10s
//! elapsed, 45%]`, `Creation complete after 12s [id=...]`), or one JSON object per line with
//! `-json`.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use console::Style;
use snapform_apply::{Event, Hook, Phase};
use snapform_core::ResourceInstanceAddr;

/// Prints events as they come, counting finished steps against the plan's total.
pub struct Progress {
    json: bool,
    /// The number of changes apply makes.
    total: usize,
    /// Steps finished so far, and when each running step started (for `-json` only).
    tally: Mutex<Tally>,
}

#[derive(Default)]
struct Tally {
    done: usize,
    started: HashMap<ResourceInstanceAddr, Instant>,
}

impl Progress {
    /// Human lines, or JSON lines with `json`; `total` steps are expected.
    pub fn new(json: bool, total: usize) -> Progress {
        Progress {
            json,
            total,
            tally: Mutex::new(Tally::default()),
        }
    }
}

fn seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs >= 60 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

fn words(phase: Phase) -> (&'static str, &'static str, &'static str) {
    match phase {
        Phase::Create => ("Creating...", "Still creating...", "Creation complete"),
        Phase::Update => (
            "Modifying...",
            "Still modifying...",
            "Modifications complete",
        ),
        Phase::Delete => (
            "Destroying...",
            "Still destroying...",
            "Destruction complete",
        ),
        Phase::Adopt => (
            "Adopting...",
            "Still waiting for it to be ready...",
            "Adoption complete",
        ),
        Phase::Import => (
            "Importing...",
            "Still waiting for it to be ready...",
            "Import complete",
        ),
        Phase::Forget => (
            "Removing from the state; the snapshot stays in the cloud...",
            "Still removing...",
            "Removal complete",
        ),
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Create => "create",
        Phase::Update => "update",
        Phase::Delete => "delete",
        Phase::Adopt | Phase::Import => "import",
        Phase::Forget => "remove",
    }
}

impl Hook for Progress {
    fn event(&self, event: Event) {
        let (done, elapsed) = {
            let mut tally = self.tally.lock().expect("never poisoned");
            match &event {
                // Only the JSON stream's `apply_errored` says how long a failed step ran; the
                // human line does not, and a fleet's destroy starts every delete at once.
                Event::Started { addr, .. } if self.json => {
                    tally.started.insert(addr.clone(), Instant::now());
                }
                Event::Completed { addr, .. } | Event::Failed { addr, .. } => {
                    tally.done += 1;
                    tally.started.remove(addr);
                }
                _ => {}
            }
            let elapsed = match &event {
                Event::Failed { addr, .. } => tally
                    .started
                    .get(addr)
                    .map(Instant::elapsed)
                    .unwrap_or_default(),
                _ => Duration::ZERO,
            };
            (tally.done, elapsed)
        };
        if self.json {
            super::machine::emit(json_line(&event, done, self.total, elapsed));
        } else {
            let line = human_line(&event, done, self.total);
            // A closed stdout must not stop the apply: the state is what matters.
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
    }
}

/// `[N/M]`, how many of the plan's changes are finished.
fn counter(done: usize, total: usize) -> String {
    Style::new()
        .dim()
        .apply_to(format!("[{done}/{total}]"))
        .to_string()
}

fn human_line(event: &Event, done: usize, total: usize) -> String {
    let bold = Style::new().bold();
    match event {
        Event::Started { addr, phase, id } => {
            let id = id
                .as_ref()
                .map(|id| format!(" [id={id}]"))
                .unwrap_or_default();
            format!("{}: {}{id}", bold.apply_to(addr), words(*phase).0)
        }
        Event::Progress {
            addr,
            phase,
            elapsed,
            percent,
        } => {
            let percent = percent.map(|p| format!(", {p}%")).unwrap_or_default();
            format!(
                "{}: {} [{} elapsed{percent}] {}",
                bold.apply_to(addr),
                words(*phase).1,
                seconds(*elapsed),
                counter(done, total)
            )
        }
        Event::Completed {
            addr,
            phase,
            elapsed,
            id,
        } => {
            let id = id
                .as_ref()
                .filter(|_| *phase != Phase::Delete)
                .map(|id| format!(" [id={id}]"))
                .unwrap_or_default();
            format!(
                "{}: {} after {}{id} {}",
                bold.apply_to(addr),
                words(*phase).2,
                seconds(*elapsed),
                counter(done, total)
            )
        }
        Event::Note { addr, message } => format!("{}: {message}", bold.apply_to(addr)),
        Event::Failed { addr, phase, error } => {
            format!(
                "{}: {} failed: {error} {}",
                bold.apply_to(addr),
                phase_name(*phase),
                counter(done, total)
            )
        }
    }
}

/// Terraform's noun for a finished step: `Creation errored after 2s`.
fn noun(phase: Phase) -> &'static str {
    match phase {
        Phase::Create => "Creation",
        Phase::Update => "Modifications",
        Phase::Delete => "Destruction",
        Phase::Adopt => "Adoption",
        Phase::Import => "Import",
        Phase::Forget => "Removal",
    }
}

fn json_line(
    event: &Event,
    done: usize,
    total: usize,
    failed_after: Duration,
) -> serde_json::Value {
    use super::machine::{message, resource};
    use serde_json::json;
    let text = console::strip_ansi_codes(&human_line(event, done, total)).into_owned();
    match event {
        Event::Started { addr, phase, id } => {
            let mut hook = json!({"resource": resource(addr), "action": phase_name(*phase)});
            if let Some(id) = id {
                hook["id_key"] = json!("id");
                hook["id_value"] = json!(id);
            }
            message("info", text, "apply_start", [("hook", hook)])
        }
        Event::Progress {
            addr,
            phase,
            elapsed,
            percent,
        } => {
            let mut hook = json!({
                "resource": resource(addr),
                "action": phase_name(*phase),
                "elapsed_seconds": elapsed.as_secs(),
                "snapform_done": done,
                "snapform_total": total,
            });
            if let Some(percent) = percent {
                hook["snapform_percent"] = json!(percent);
            }
            message("info", text, "apply_progress", [("hook", hook)])
        }
        Event::Completed {
            addr,
            phase,
            elapsed,
            id,
        } => {
            let mut hook = json!({"resource": resource(addr), "action": phase_name(*phase)});
            if let Some(id) = id.as_ref().filter(|_| *phase != Phase::Delete) {
                hook["id_key"] = json!("id");
                hook["id_value"] = json!(id);
            }
            hook["elapsed_seconds"] = json!(elapsed.as_secs());
            hook["snapform_done"] = json!(done);
            hook["snapform_total"] = json!(total);
            message("info", text, "apply_complete", [("hook", hook)])
        }
        Event::Note {
            message: note,
            addr,
        } => message("warn", format!("{addr}: {note}"), "log", []),
        Event::Failed { addr, phase, .. } => {
            let hook = json!({
                "resource": resource(addr),
                "action": phase_name(*phase),
                "elapsed_seconds": failed_after.as_secs(),
            });
            message(
                "info",
                format!(
                    "{addr}: {} errored after {}",
                    noun(*phase),
                    seconds(failed_after)
                ),
                "apply_errored",
                [("hook", hook)],
            )
        }
    }
}
