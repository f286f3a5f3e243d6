//! `snapform validate`: loads the configuration and reports every problem.

use std::io::Write;

use snapform_core::SourceMap;
use snapform_core::diagnostic::has_errors;

use crate::args::ValidateArgs;
use crate::view::diagnostics::{render_human, render_json};

/// Runs `validate`; exit code 1 when there is an error.
pub fn run(args: &ValidateArgs) -> anyhow::Result<i32> {
    let mut options = super::load_options(&args.vars)?;
    options.allow_unset_variables = true;
    let mut sources = SourceMap::new();
    let loaded = snapform_config::load_dir(super::config_dir(), &options, &mut sources);
    let failed = has_errors(&loaded.diagnostics);
    if args.json {
        let document = render_json(&loaded.diagnostics, &sources);
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&document)?
        )?;
    } else {
        write!(
            std::io::stderr(),
            "{}",
            render_human(&loaded.diagnostics, &sources)
        )?;
        if failed {
            let n_errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
            writeln!(
                std::io::stderr(),
                "{}",
                console::style(format!(
                    "The configuration has {n_errors} error{}.",
                    if n_errors == 1 { "" } else { "s" }
                ))
                .for_stderr()
                .red()
            )?;
        } else {
            let n_resources: usize = loaded.config.resources.len();
            writeln!(
                std::io::stdout(),
                "{} The configuration is valid ({n_resources} resource{}).",
                console::style("Success!").green().bold(),
                if n_resources == 1 { "" } else { "s" }
            )?;
        }
    }
    Ok(if failed { 1 } else { 0 })
}
