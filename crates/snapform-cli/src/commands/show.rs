//! `snapform show [PLANFILE] [-json] [-markdown]`: a saved plan in one of three forms, or the
//! state when no plan file is given.

use std::io::Write;

use anyhow::Context;

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
        writeln!(
            stdout,
            "{}",
            serde_json::to_string(&view::plan_json::render(&plan))?
        )?;
    } else if args.markdown {
        let human = console::strip_ansi_codes(&view::plan::render(&plan)).into_owned();
        write!(stdout, "{}", view::markdown::render(&plan, &human))?;
    } else {
        write!(stdout, "{}", view::plan::render(&plan))?;
    }
    Ok(0)
}

/// Without a plan file: the recorded resources.
fn show_state(args: &ShowArgs) -> anyhow::Result<i32> {
    let backend = super::session::open_backend(&super::session::config_for_state())?;
    let Some(state) = backend.read().context("cannot read the state")? else {
        writeln!(std::io::stdout(), "No state.")?;
        return Ok(0);
    };
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(
            stdout,
            "{}",
            serde_json::to_string(
                &serde_json::json!({"format_version": "1.0", "values": view::plan_json::state_json(&state)})
            )?
        )?;
        return Ok(0);
    }
    for record in &state.resources {
        view::record::write(&mut stdout, record)?;
        writeln!(stdout)?;
    }
    Ok(0)
}
