//! Renders diagnostics: `file:LINE:COL: error: message`, the source line with the span
//! underlined, and a help line; or the same as JSON for tools.

use console::{Style, style};
use serde_json::json;
use snapform_core::{Diagnostic, Label, Severity, SourceMap};

/// Whether `-compact-warnings` asked for warnings on one line each.
static COMPACT_WARNINGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Shows warnings compactly from now on (`-compact-warnings`).
pub fn set_compact_warnings(compact: bool) {
    COMPACT_WARNINGS.store(compact, std::sync::atomic::Ordering::Relaxed);
}

/// Renders diagnostics for people. With `-compact-warnings`, errors are shown whole and the
/// warnings follow as one line each.
pub fn render_human(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let compact = COMPACT_WARNINGS.load(std::sync::atomic::Ordering::Relaxed);
    let mut res = String::new();
    let mut warnings = Vec::new();
    for diagnostic in diagnostics {
        if compact && diagnostic.severity == Severity::Warning {
            warnings.push(diagnostic);
        } else {
            render_one(&mut res, diagnostic, sources);
        }
    }
    if !warnings.is_empty() {
        let (warning_style, _) = severity_style(Severity::Warning);
        res.push_str(&format!(
            "{}\n",
            warning_style.apply_to(format!(
                "{} warning{}:",
                warnings.len(),
                if warnings.len() == 1 { "" } else { "s" }
            ))
        ));
        for warning in warnings {
            match &warning.primary {
                Some(label) => res.push_str(&format!(
                    "- {}: {}\n",
                    location_text(label, sources),
                    warning.message
                )),
                None => res.push_str(&format!("- {}\n", warning.message)),
            }
        }
        res.push_str("To see the full warning notes, run snapform without -compact-warnings.\n\n");
    }
    res
}

fn severity_style(severity: Severity) -> (Style, &'static str) {
    match severity {
        Severity::Error => (Style::new().for_stderr().red().bold(), "error"),
        Severity::Warning => (Style::new().for_stderr().yellow().bold(), "warning"),
    }
}

fn render_one(out: &mut String, diagnostic: &Diagnostic, sources: &SourceMap) {
    let (severity_style, severity) = severity_style(diagnostic.severity);
    let bold = Style::new().for_stderr().bold();
    match &diagnostic.primary {
        Some(label) => {
            out.push_str(&format!(
                "{}: {}: {}
",
                bold.apply_to(location_text(label, sources)),
                severity_style.apply_to(severity),
                bold.apply_to(&diagnostic.message)
            ));
            render_snippet(out, label, sources, '^', &severity_style);
        }
        None => {
            out.push_str(&format!(
                "{}: {}\n",
                severity_style.apply_to(severity),
                bold.apply_to(&diagnostic.message)
            ));
        }
    }
    for label in &diagnostic.secondary {
        out.push_str(&format!(
            "{}: {}: {}
",
            bold.apply_to(location_text(label, sources)),
            style("note").for_stderr().cyan().bold(),
            label.message
        ));
        render_snippet(
            out,
            &Label {
                message: String::new(),
                ..label.clone()
            },
            sources,
            '-',
            &Style::new().for_stderr().cyan(),
        );
    }
    if let Some(help) = &diagnostic.help {
        out.push_str(&format!(
            "  {} {help}\n",
            style("help:").for_stderr().cyan().bold()
        ));
    }
    out.push('\n');
}

/// `file:LINE:COL` of the label's start.
fn location_text(label: &Label, sources: &SourceMap) -> String {
    let location = sources.location(label.span.file, label.span.start);
    format!(
        "{}:{}:{}",
        sources.name(label.span.file),
        location.line,
        location.column
    )
}

/// The source line of the label's start with the span underlined (to the end of that line when
/// the span goes on).
fn render_snippet(
    out: &mut String,
    label: &Label,
    sources: &SourceMap,
    marker: char,
    marker_style: &Style,
) {
    let file = label.span.file;
    let start = sources.location(file, label.span.start);
    let end = sources.location(file, label.span.end);
    let line = sources.line_text(file, start.line);
    let line_chars = line.chars().count();
    let from = (start.column as usize).saturating_sub(1).min(line_chars);
    let to = if end.line == start.line {
        (end.column as usize).saturating_sub(1).min(line_chars)
    } else {
        line_chars
    };
    let width = to.saturating_sub(from).max(1);
    let gutter = start.line.to_string();
    let pad = " ".repeat(gutter.len());
    let blue = Style::new().for_stderr().blue().bold();
    // Tabs would misalign the underline, so show them as single spaces.
    let shown: String = line
        .chars()
        .map(|ch| if ch == '\t' { ' ' } else { ch })
        .collect();
    out.push_str(&format!("{pad} {}\n", blue.apply_to("|")));
    out.push_str(&format!(
        "{} {} {shown}\n",
        blue.apply_to(&gutter),
        blue.apply_to("|")
    ));
    let underline: String = std::iter::repeat_n(marker, width).collect();
    let mut marker_line = format!(
        "{pad} {} {}{}",
        blue.apply_to("|"),
        " ".repeat(from),
        marker_style.apply_to(underline)
    );
    if !label.message.is_empty() {
        marker_line.push(' ');
        marker_line.push_str(&marker_style.apply_to(&label.message).to_string());
    }
    out.push_str(marker_line.trim_end());
    out.push('\n');
}

/// One diagnostic as Terraform's JSON diagnostic (`severity`, `summary`, `detail`, `range`,
/// `snippet`), plus snapform's stable `code`, the `message` and `help`, and the `file`.
pub fn diagnostic_json(diagnostic: &Diagnostic, sources: &SourceMap) -> serde_json::Value {
    let mut entry = json!({
        "severity": match diagnostic.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "summary": diagnostic.message,
        "detail": diagnostic.help.clone().unwrap_or_default(),
        "code": diagnostic.code,
        "message": diagnostic.message,
    });
    if let Some(help) = &diagnostic.help {
        entry["help"] = json!(help);
    }
    if let Some(label) = &diagnostic.primary {
        let file = label.span.file;
        let start = sources.location(file, label.span.start);
        let end = sources.location(file, label.span.end);
        entry["file"] = json!(sources.name(file));
        entry["range"] = json!({
            "filename": sources.name(file),
            "start": {"line": start.line, "column": start.column, "byte": label.span.start},
            "end": {"line": end.line, "column": end.column, "byte": label.span.end},
        });
        // The whole lines the range covers, with the range's offsets in them.
        let code: Vec<String> = (start.line..=end.line.max(start.line))
            .map(|line| sources.line_text(file, line).to_owned())
            .collect();
        let code = code.join("\n");
        let line_start = sources.line_start(file, start.line) as usize;
        let highlight_start = (label.span.start as usize)
            .saturating_sub(line_start)
            .min(code.len());
        let highlight_end = (label.span.end as usize)
            .saturating_sub(line_start)
            .min(code.len());
        entry["snippet"] = json!({
            "context": null,
            "code": code,
            "start_line": start.line,
            "highlight_start_offset": highlight_start,
            "highlight_end_offset": highlight_end.max(highlight_start),
            "values": [],
        });
    }
    entry
}

/// The `validate -json` document: Terraform's shape (`valid`, `error_count`, `diagnostics` with
/// `summary`, `detail`, `range`), plus `code`, `message` and `file` on each diagnostic.
pub fn render_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> serde_json::Value {
    let n_errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let rendered: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|diagnostic| diagnostic_json(diagnostic, sources))
        .collect();
    json!({
        "format_version": "1.0",
        "valid": n_errors == 0,
        "error_count": n_errors,
        "warning_count": diagnostics.len() - n_errors,
        "diagnostics": rendered,
    })
}
