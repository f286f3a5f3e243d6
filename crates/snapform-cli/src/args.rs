//! Command-line arguments. Terraform's single-dash long flags (`-var-file=x`, `-check`) are
//! accepted as well as `--flags`: [`normalize`] rewrites them before clap parses.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// snapform: plan and apply cloud snapshots and backups declared in HCL.
#[derive(Debug, Parser)]
#[command(name = "snapform", version = concat!("v", env!("CARGO_PKG_VERSION")), about, long_about = None, disable_help_subcommand = true)]
pub struct Cli {
    /// Switch to DIR before doing anything else.
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,

    /// Never use colours.
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Run against the embedded emulator instead of the real clouds: it starts in-process,
    /// keeps its cloud in .snapform/emulator.json, and accepts the documented test keys.
    #[arg(long, global = true)]
    pub emulator: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the backend, and copy the state when the backend block changed.
    Init(InitArgs),
    /// Check the configuration and report every problem.
    Validate(ValidateArgs),
    /// Rewrite .hcl files in the canonical style.
    Fmt(FmtArgs),
    /// Show what apply would change.
    Plan(PlanArgs),
    /// Make the clouds match the configuration (or apply a saved plan).
    Apply(ApplyArgs),
    /// Delete everything snapform manages in this configuration.
    Destroy(DestroyArgs),
    /// Take an existing cloud resource into the state.
    Import(ImportArgs),
    /// Read and change the state.
    #[command(subcommand)]
    State(StateCommand),
    /// List, create, select and delete workspaces: one state per workspace.
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Print the outputs recorded by the last apply.
    Output(OutputArgs),
    /// Show a plan file, or the state.
    Show(ShowArgs),
    /// Print the plan's graph in Graphviz DOT.
    Graph(GraphArgs),
    /// Remove a stale state lock left by a process that is gone.
    #[command(name = "force-unlock")]
    ForceUnlock {
        /// The lock's ID, as the refused command printed it.
        lock_id: String,
    },
    /// Serve the local emulator of both clouds' snapshot APIs until Ctrl-C.
    Emulator(snapform_emulator::EmulatorArgs),
    /// Print snapform's version.
    Version,
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

/// `-var` and `-var-file`, shared by every command that loads the configuration.
#[derive(Debug, Args, Default)]
pub struct VarArgs {
    /// Set a variable: -var 'name=value'. May be repeated.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variable values from a file (`.hcl`, `.tfvars` or `.tfvars.json`). May be
    /// repeated.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Ask for input on the terminal (-input=false for CI). snapform never asks for a
    /// variable (a missing one is an error); with -input=false it does not ask for approval
    /// either, so apply and destroy need -auto-approve or a plan file.
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub input: bool,
    /// Show warnings as one line each, with a count, as Terraform's -compact-warnings does.
    #[arg(long)]
    pub compact_warnings: bool,
}

/// `-lock` and `-lock-timeout`.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// Lock the state while the command runs (-lock=false to skip; dangerous with others).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub lock: bool,
    /// How long to wait for a lock held by someone else (0s fails at once).
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub lock_timeout: String,
}

impl Default for LockArgs {
    /// What the flags default to: lock, and fail at once when someone else holds it.
    fn default() -> LockArgs {
        LockArgs {
            lock: true,
            lock_timeout: "0s".to_owned(),
        }
    }
}

/// The options of every command that plans and applies: `plan`, `apply` and `destroy`.
#[derive(Debug, Args)]
pub struct RunOptions {
    /// Read the clouds first (-refresh=false plans from the state as recorded).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Limit the plan to these resources and what they depend on. May be repeated.
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// How many operations run at once during apply.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub parallelism: usize,
    /// The plan's clock, instead of the machine's (RFC 3339, such as 2026-12-05T02:00:00Z):
    /// for reproducible plans, and to try a rotation schedule ahead of time.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<jiff::Timestamp>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// The options `plan` and `apply` add: the plan's mode and forced replacements.
#[derive(Debug, Args)]
pub struct PlanOptions {
    /// Only record changes made outside snapform; change nothing.
    #[arg(long)]
    pub refresh_only: bool,
    /// Plan to destroy everything in the state.
    #[arg(long)]
    pub destroy: bool,
    /// Replace this resource even if nothing changed. May be repeated.
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
    #[command(flatten)]
    pub run: RunOptions,
}

/// `snapform plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Write the plan to FILE, for `apply FILE` and `show FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Exit 2 when there are changes, 0 when there are none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Stream machine-readable JSON messages, one per line.
    #[arg(long)]
    pub json: bool,
    /// Write resource blocks for import blocks whose target has none, read from the cloud,
    /// to FILE (a new .hcl file in the configuration's directory); the plan then reads them.
    #[arg(long, value_name = "FILE")]
    pub generate_config_out: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub options: PlanOptions,
}

/// `snapform apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan file written by `plan -out`: apply exactly that plan, without asking.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<std::path::PathBuf>,
    /// Do not ask for approval.
    #[arg(long)]
    pub auto_approve: bool,
    /// Stream machine-readable JSON messages, one per line; needs -auto-approve or a plan
    /// file, since it cannot ask.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub options: PlanOptions,
}

/// `snapform destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Do not ask for approval.
    #[arg(long)]
    pub auto_approve: bool,
    /// Stream machine-readable JSON messages, one per line; needs -auto-approve, since it
    /// cannot ask.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub options: RunOptions,
}

/// `snapform import ADDR ID`, or `snapform import -discover TYPE -out=FILE`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The resource address in the configuration, such as tencentcloud_cbs_disk_backup.nightly["db"].
    #[arg(
        required_unless_present = "discover",
        default_value = "",
        hide_default_value = true
    )]
    pub addr: String,
    /// The cloud's ID of the resource.
    #[arg(
        required_unless_present = "discover",
        default_value = "",
        hide_default_value = true
    )]
    pub id: String,
    #[command(flatten)]
    pub discovery: crate::commands::discover::DiscoverArgs,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `snapform state ...`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the recorded resources (those matching ADDR prefixes, if given).
    List {
        /// Address prefixes to filter by.
        addrs: Vec<String>,
    },
    /// Show one recorded resource.
    Show {
        /// Its address.
        addr: String,
    },
    /// Forget resources without deleting them in the cloud.
    Rm {
        /// Their addresses.
        #[arg(required = true)]
        addrs: Vec<String>,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Record a resource under another address.
    Mv {
        /// The current address.
        source: String,
        /// The new address.
        destination: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Print the state as JSON.
    Pull,
    /// Replace the state with a file (`-` for standard input).
    Push {
        /// The state file to push.
        path: std::path::PathBuf,
        /// Push even if its lineage differs or its serial is older.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
}

/// `snapform init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Copy the state to the new backend when the backend block changed since the last init.
    #[arg(long)]
    pub migrate_state: bool,
    /// Use the backend as configured now, without copying any state to it.
    #[arg(long, conflicts_with = "migrate_state")]
    pub reconfigure: bool,
    /// Copy without asking (for scripts): answers yes to the question -migrate-state asks.
    #[arg(long)]
    pub force_copy: bool,
    /// A backend setting kept out of the committed files, such as
    /// -backend-config=conn_str=postgres://...; remembered for later commands. May be repeated.
    #[arg(long = "backend-config", value_name = "KEY=VALUE")]
    pub backend_config: Vec<String>,
    #[command(flatten)]
    pub lock: LockArgs,
}

/// `snapform workspace ...`.
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// List the workspaces, marking the selected one with `*`.
    List,
    /// Print the selected workspace.
    Show,
    /// Create a workspace with an empty state and select it.
    New {
        /// Its name: letters, digits, `-`, `_` and `.`.
        name: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Select a workspace for the commands that follow.
    Select {
        /// Its name.
        name: String,
        /// Create it first when it does not exist.
        #[arg(long)]
        or_create: bool,
    },
    /// Delete a workspace and its state (refused while it records resources, unless -force).
    Delete {
        /// Its name.
        name: String,
        /// Delete it even though its state records resources, which snapform then forgets.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
}

/// `snapform output`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// One output's name; all of them without it.
    pub name: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Print a string output's raw text, for scripts.
    #[arg(long)]
    pub raw: bool,
}

/// `snapform show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan file written by `plan -out`; without it, the state.
    #[arg(value_name = "PLANFILE")]
    pub plan_file: Option<std::path::PathBuf>,
    /// Terraform's JSON plan format.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// A pull-request comment in Markdown.
    #[arg(long)]
    pub markdown: bool,
}

/// `snapform graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// plan (every resource), apply (only what changes) or destroy.
    #[arg(long = "type", value_enum, default_value = "plan")]
    pub graph_type: crate::view::graph::GraphType,
    /// A plan file to draw instead of planning now.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
}

/// `snapform validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the diagnostics as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub vars: VarArgs,
}

/// `snapform fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Don't write; exit 3 when a file is not formatted, listing it.
    #[arg(long)]
    pub check: bool,
    /// Print the changes as a unified diff.
    #[arg(long)]
    pub diff: bool,
    /// Also format files in subdirectories.
    #[arg(long)]
    pub recursive: bool,
    /// Write the formatted files back (-write=false only lists them).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub write: bool,
    /// List the files that changed (-list=false to stay quiet).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub list: bool,
    /// Files or directories to format; `-` reads standard input and writes standard output.
    #[arg(value_name = "PATH", allow_hyphen_values = true)]
    pub paths: Vec<PathBuf>,
}

/// Rewrites Terraform-style `-flag` and `-flag=value` into `--flag` forms; leaves `-` (stdin),
/// short flags such as `-h`, and everything after `--` alone.
pub fn normalize(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut res = Vec::new();
    let mut passthrough = false;
    for (idx, arg) in args.into_iter().enumerate() {
        if idx == 0 || passthrough {
            res.push(arg);
            continue;
        }
        match arg.to_str() {
            Some("--") => {
                passthrough = true;
                res.push(arg);
            }
            Some(text)
                if text.len() > 2
                    && text.starts_with('-')
                    && !text.starts_with("--")
                    && text.as_bytes()[1].is_ascii_alphabetic() =>
            {
                res.push(OsString::from(format!("-{text}")));
            }
            _ => res.push(arg),
        }
    }
    res
}

/// Reads `-now`: an RFC 3339 time with an offset.
fn parse_now(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse::<jiff::Timestamp>().map_err(|error| {
        format!("{text:?} is not an RFC 3339 time such as 2026-12-05T02:00:00Z ({error})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from))
            .into_iter()
            .map(|arg| arg.into_string().expect("utf-8"))
            .collect()
    }

    #[test]
    fn terraform_flags_become_long_flags() {
        assert_eq!(
            norm(&[
                "snapform",
                "-chdir=x",
                "fmt",
                "-check",
                "-write=false",
                "-",
                "-h",
                "--diff"
            ]),
            [
                "snapform",
                "--chdir=x",
                "fmt",
                "--check",
                "--write=false",
                "-",
                "-h",
                "--diff"
            ]
        );
        assert_eq!(
            norm(&["snapform", "fmt", "--", "-odd"]),
            ["snapform", "fmt", "--", "-odd"]
        );
    }
}
