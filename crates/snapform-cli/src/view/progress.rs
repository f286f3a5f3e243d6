//! Apply progress: one Terraform-style line per event (`Creating...`, `Still creating... [10s
//! elapsed, 45%]`, `Creation complete after 12s [id=...]`), or one JSON object per line with
//! `-json`.

use std::io::Write;
use std::time::Duration;

use console::Style;
use snapform_apply::{Event, Hook, Phase};

/// Prints events as they come.
pub struct Progress {
    json: bool,
}

impl Progress {
    /// Human lines, or JSON lines with `json`.
    pub fn new(json: bool) -> Progress {
        Progress { json }
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
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Create => "create",
        Phase::Update => "update",
        Phase::Delete => "delete",
        Phase::Adopt => "import",
    }
}

impl Hook for Progress {
    fn event(&self, event: Event) {
        let line = if self.json {
            json_line(&event)
        } else {
            human_line(&event)
        };
        let mut stdout = std::io::stdout().lock();
        // A closed stdout must not stop the apply: the state is what matters.
        let _ = writeln!(stdout, "{line}");
    }
}

fn human_line(event: &Event) -> String {
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
                "{}: {} [{} elapsed{percent}]",
                bold.apply_to(addr),
                words(*phase).1,
                seconds(*elapsed)
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
                "{}: {} after {}{id}",
                bold.apply_to(addr),
                words(*phase).2,
                seconds(*elapsed)
            )
        }
        Event::Note { addr, message } => format!("{}: {message}", bold.apply_to(addr)),
        Event::Failed { addr, phase, error } => {
            format!(
                "{}: {} failed: {error}",
                bold.apply_to(addr),
                phase_name(*phase)
            )
        }
    }
}

fn json_line(event: &Event) -> String {
    let resource = super::machine::resource;
    let value = match event {
        Event::Started { addr, phase, id } => {
            serde_json::json!({"@level": "info", "@message": human(event), "type": "apply_start", "hook": {"resource": resource(addr), "action": phase_name(*phase), "id_value": id}})
        }
        Event::Progress {
            addr,
            phase,
            elapsed,
            percent,
        } => {
            serde_json::json!({"@level": "info", "@message": human(event), "type": "apply_progress", "hook": {"resource": resource(addr), "action": phase_name(*phase), "elapsed_seconds": elapsed.as_secs(), "percent": percent}})
        }
        Event::Completed {
            addr,
            phase,
            elapsed,
            id,
        } => {
            serde_json::json!({"@level": "info", "@message": human(event), "type": "apply_complete", "hook": {"resource": resource(addr), "action": phase_name(*phase), "elapsed_seconds": elapsed.as_secs(), "id_value": id}})
        }
        Event::Note { addr, message } => {
            serde_json::json!({"@level": "warn", "@message": format!("{addr}: {message}"), "type": "log"})
        }
        Event::Failed { addr, phase, error } => {
            serde_json::json!({"@level": "error", "@message": human(event), "type": "apply_errored", "hook": {"resource": resource(addr), "action": phase_name(*phase), "error": error}})
        }
    };
    value.to_string()
}

fn human(event: &Event) -> String {
    console::strip_ansi_codes(&human_line(event)).into_owned()
}
