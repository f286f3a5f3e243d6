//! `snapform show [PLANFILE] [-json] [-markdown]`: a saved plan in one of three forms, or the
//! state when no plan file is given.

use std::io::Write;

use anyhow::{Context, bail};

use crate::args::ShowArgs;
use crate::view;

/// Runs `show`.
pub fn run(args: &ShowArgs) -> anyhow::Result<i32> {
    let Some(path) = &args.plan_file else {
        return show_state(args);
    };
    let plan = super::plan::read_plan_file(path)?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        write_json(&mut stdout, &view::plan_json::document(&plan))?;
    } else if args.markdown {
        let human = console::strip_ansi_codes(&view::plan::render(&plan)).into_owned();
        write!(stdout, "{}", view::markdown::render(&plan, &human))?;
    } else {
        view::plan::write(&plan, &mut stdout)?;
    }
    Ok(0)
}

/// Without a plan file: the recorded resources and outputs.
fn show_state(args: &ShowArgs) -> anyhow::Result<i32> {
    if args.markdown {
        bail!(
            "show -markdown renders a plan as a pull-request comment: give it a plan file written by `snapform plan -out=FILE`"
        );
    }
    let backend = super::session::open_backend(&super::session::config_for_state())?;
    let state = backend.read().context("cannot read the state")?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        write_json(
            &mut stdout,
            &view::plan_json::state_document(state.as_ref()),
        )?;
        return Ok(0);
    }
    let Some(state) = state else {
        writeln!(stdout, "No state.")?;
        return Ok(0);
    };
    if state.resources.is_empty() && state.outputs.is_empty() {
        writeln!(
            stdout,
            "The state file is empty. No resources are represented."
        )?;
        return Ok(0);
    }
    for record in &state.resources {
        view::record::write(&mut stdout, record)?;
        writeln!(stdout)?;
    }
    if !state.outputs.is_empty() {
        let sensitive: Vec<&String> = state.sensitive_outputs.iter().collect();
        writeln!(stdout, "\nOutputs:\n")?;
        write!(
            stdout,
            "{}",
            view::outputs::render(&state.outputs, &sensitive)
                .replace("= <sensitive>", "= (sensitive value)")
        )?;
    }
    Ok(0)
}

/// Writes `document` and a newline as it is serialized, through a buffer: the JSON plan of a
/// fleet is tens of megabytes, and never whole in memory.
fn write_json(out: &mut impl Write, document: &view::plan_json::Node<'_>) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer(&mut out, document)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
