//! One module per command; each returns the process exit code.

pub mod apply;
pub mod emulator;
pub mod fmt;
pub mod force_unlock;
pub mod graph;
pub mod import;
pub mod output;
pub mod plan;
pub mod session;
pub mod show;
pub mod state;
pub mod validate;

use std::path::Path;

use snapform_config::{LoadOptions, VarArg};

use crate::args::VarArgs;

/// Builds the loader's variable inputs from `-var`, `-var-file` and the environment.
pub fn load_options(vars: &VarArgs) -> anyhow::Result<LoadOptions> {
    let mut var_args = Vec::new();
    for raw in &vars.vars {
        let (name, value) = raw
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("-var needs NAME=VALUE, got {raw:?}"))?;
        var_args.push(VarArg::Var {
            name: name.trim().to_owned(),
            value: value.to_owned(),
        });
    }
    // clap keeps -var and -var-file apart; Terraform applies them in command-line order.
    // Files come after -var values here; the order inside each kind is kept.
    var_args.extend(vars.var_files.iter().map(|path| VarArg::File(path.clone())));
    Ok(LoadOptions {
        var_args,
        env_vars: crate::env::config_variables(),
        allow_unset_variables: false,
    })
}

/// The working directory every command reads, `.` after `-chdir`.
pub fn config_dir() -> &'static Path {
    Path::new(".")
}
