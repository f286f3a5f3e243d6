//! `snapform output [NAME] [-json] [-raw]`: the outputs the last apply recorded.
//!
//! A sensitive output prints as `<sensitive>` everywhere except where it is named on purpose:
//! `output -raw NAME` and `output -json NAME` print its value, as Terraform's scripts expect.

use std::io::Write;

use anyhow::{Context, bail};
use snapform_core::Value;

use crate::args::OutputArgs;

/// Runs `output`.
pub fn run(args: &OutputArgs) -> anyhow::Result<i32> {
    let config = super::session::config_for_state();
    let backend = super::session::open_backend(&config)?;
    let state = backend
        .read()
        .context("cannot read the state")?
        .unwrap_or_default();
    // What the state marks sensitive, and what the configuration marks now.
    let mut sensitive: Vec<String> = state.sensitive_outputs.iter().cloned().collect();
    sensitive.extend(config.sensitive_outputs());
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
                    Value::Null => {
                        bail!("the value of output {name:?} is null, so -raw cannot print it")
                    }
                    _ => bail!(
                        "-raw prints only strings, numbers and bools, and {name:?} is a {}; use -json",
                        value.type_name()
                    ),
                }
            } else if sensitive.contains(name) {
                writeln!(stdout, "<sensitive>")?;
            } else {
                writeln!(stdout, "{value}")?;
            }
        }
        None if args.raw => {
            bail!("-raw prints one output: name it, as in `snapform output -raw NAME`")
        }
        None if args.json => {
            let document: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(name, value)| {
                    let hidden = sensitive.contains(name);
                    let mut object = serde_json::json!({
                        "sensitive": hidden,
                        "type": crate::view::plan_json::type_of(value),
                    });
                    if !hidden {
                        object["value"] = value.to_json();
                    }
                    (name.clone(), object)
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
