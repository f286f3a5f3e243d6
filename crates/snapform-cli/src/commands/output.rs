//! `snapform output [NAME] [-json] [-raw]`: the outputs the last apply recorded.

use std::io::Write;

use anyhow::{Context, bail};
use snapform_core::Value;

use crate::args::OutputArgs;

/// Runs `output`.
pub fn run(args: &OutputArgs) -> anyhow::Result<i32> {
    let config = super::session::config_for_state();
    let sensitive = config.sensitive_outputs();
    let backend = super::session::open_backend(&config)?;
    let state = backend
        .read()
        .context("cannot read the state")?
        .unwrap_or_default();
    let mut stdout = std::io::stdout().lock();
    match &args.name {
        Some(name) => {
            let value = state.outputs.get(name).with_context(|| {
                format!("no output named {name:?} in the state; run apply first")
            })?;
            if args.json {
                writeln!(stdout, "{}", value.to_json())?;
            } else if args.raw {
                match value {
                    Value::String(text) => write!(stdout, "{text}")?,
                    Value::Number(_) | Value::Bool(_) => write!(stdout, "{value}")?,
                    _ => bail!("-raw prints only strings, numbers and bools; use -json for {name}"),
                }
            } else {
                writeln!(stdout, "{value}")?;
            }
        }
        None if args.json => {
            let document: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(name, value)| {
                    (
                        name.clone(),
                        serde_json::json!({"sensitive": sensitive.contains(name), "value": value.to_json()}),
                    )
                })
                .collect();
            writeln!(stdout, "{}", serde_json::to_string_pretty(&document)?)?;
        }
        None => {
            if state.outputs.is_empty() {
                writeln!(
                    std::io::stderr(),
                    "No outputs found. Run apply to record them."
                )?;
            }
            write!(
                stdout,
                "{}",
                crate::view::outputs::render(&state.outputs, &sensitive)
            )?;
        }
    }
    Ok(0)
}
