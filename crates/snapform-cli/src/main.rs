//! The `snapform` binary: parses arguments, runs one command, prints errors, exits.
//!
//! Exit codes follow Terraform: 0 success, 1 error, 2 changes present (`plan
//! -detailed-exitcode`), 3 files not formatted (`fmt -check`). A closed stdout (`snapform plan
//! | head`) exits 0 quietly.

mod args;
mod backend;
mod clock;
mod commands;
mod env;
mod log;
mod phase;
mod providers;
mod view;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};

/// mimalloc, not glibc's allocator: see the reason beside the dependency in Cargo.toml.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let arguments = args::normalize(std::env::args_os());
    let _ = commands::ARGUMENTS.set(
        arguments
            .iter()
            .map(|argument| argument.to_string_lossy().into_owned())
            .collect(),
    );
    let cli = match Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 1 } else { 0 });
        }
    };
    if cli.no_color || env::no_color() {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
    if let Err(error) = log::init() {
        let _ = writeln!(
            std::io::stderr(),
            "{} {error}",
            console::style("error:").for_stderr().red().bold()
        );
        return ExitCode::FAILURE;
    }
    match run(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            if view::machine::enabled() {
                let detail: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
                view::machine::error(&error.to_string(), &detail.join("\n"), None);
                return ExitCode::FAILURE;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(
                stderr,
                "{} {error}",
                console::style("error:").for_stderr().red().bold()
            );
            for cause in error.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    if let Some(dir) = &cli.chdir {
        std::env::set_current_dir(dir).map_err(|error| {
            anyhow::anyhow!("cannot switch to -chdir={}: {error}", dir.display())
        })?;
    }
    match &cli.command {
        Command::Init(args) => commands::init::run(args),
        Command::Workspace(command) => commands::workspace::run(command),
        Command::Validate(args) => commands::validate::run(args),
        Command::Fmt(args) => commands::fmt::run(args),
        Command::Emulator(args) => commands::emulator::run(args),
        Command::Plan(args) => commands::plan::run(args, cli.emulator),
        Command::Apply(args) => commands::apply::run(args, cli.emulator),
        Command::Destroy(args) => commands::apply::run_destroy(args, cli.emulator),
        Command::Import(args) if args.discovery.discover.is_some() => {
            commands::discover::run(args, cli.emulator)
        }
        Command::Import(args) => commands::import::run(args, cli.emulator),
        Command::State(command) => commands::state::run(command),
        Command::Output(args) => commands::output::run(args),
        Command::Show(args) => commands::show::run(args),
        Command::Graph(args) => commands::graph::run(args, cli.emulator),
        Command::ForceUnlock { lock_id } => commands::force_unlock::run(lock_id),
        Command::Version => {
            writeln!(std::io::stdout(), "snapform v{}", env!("CARGO_PKG_VERSION"))?;
            Ok(0)
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "snapform",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
