//! `snapform workspace list|show|new|select|delete`: one state per workspace, in every
//! backend. The selection is kept in `.snapform/environment`; `SNAPFORM_WORKSPACE` overrides it.

use std::io::Write;

use anyhow::{Context, bail};
use snapform_state::State;

use super::session::{config_for_state, take_lock};
use crate::args::{LockArgs, WorkspaceCommand};
use crate::backend::{DEFAULT_WORKSPACE, Settings, select_workspace, workspace_overridden};

/// Runs a workspace subcommand.
pub fn run(command: &WorkspaceCommand) -> anyhow::Result<i32> {
    let config = config_for_state();
    let settings = crate::backend::effective(&config.backend)?;
    let current = crate::backend::workspace()?;
    let mut stdout = std::io::stdout().lock();
    match command {
        WorkspaceCommand::List => {
            for name in known(&settings)? {
                let mark = if name == current { "*" } else { " " };
                writeln!(stdout, "{mark} {name}")?;
            }
        }
        WorkspaceCommand::Show => writeln!(stdout, "{current}")?,
        WorkspaceCommand::New { name, lock } => {
            refuse_override()?;
            create(&settings, name, lock)?;
            select_workspace(name)?;
            writeln!(
                stdout,
                "Created and switched to workspace {name:?}!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run \"snapform plan\" snapform will not see any existing state\nfor this configuration."
            )?;
        }
        WorkspaceCommand::Select { name, or_create } => {
            refuse_override()?;
            snapform_state::check_workspace_name(name)?;
            if !known(&settings)?.contains(name) {
                if !or_create {
                    bail!(
                        "workspace {name:?} doesn't exist\n  hint: create it with `snapform workspace new {name}`, or add -or-create to `workspace select`"
                    );
                }
                create(&settings, name, &LockArgs::default())?;
            }
            select_workspace(name)?;
            writeln!(stdout, "Switched to workspace {name:?}.")?;
        }
        WorkspaceCommand::Delete { name, force, lock } => {
            if name == DEFAULT_WORKSPACE {
                bail!("the default workspace cannot be deleted");
            }
            if *name == current {
                bail!(
                    "workspace {name:?} is your active workspace; select another one before deleting it"
                );
            }
            if !known(&settings)?.contains(name) {
                bail!("workspace {name:?} doesn't exist");
            }
            let mut backend = settings.open(name)?;
            let _lock = take_lock(backend.as_ref(), lock, "workspace delete")?;
            let state = backend.read().context("cannot read the state")?;
            if let Some(state) = state.filter(|state| !state.is_empty())
                && !force
            {
                let mut tracked: Vec<String> = state
                    .resources
                    .iter()
                    .map(|record| record.addr.to_string())
                    .collect();
                tracked.extend(state.pending.iter().map(|intent| intent.addr.to_string()));
                bail!(
                    "workspace {name:?} still records {} resource instance(s): {}\n  hint: deleting it would make snapform lose track of them; destroy them first, or delete it with -force",
                    tracked.len(),
                    tracked.join(", ")
                );
            }
            backend
                .delete_workspace()
                .with_context(|| format!("cannot delete workspace {name:?}"))?;
            writeln!(stdout, "Deleted workspace {name:?}!")?;
        }
    }
    Ok(0)
}

/// The workspaces the backend holds.
fn known(settings: &Settings) -> anyhow::Result<Vec<String>> {
    settings
        .open(DEFAULT_WORKSPACE)?
        .workspaces()
        .context("cannot list the workspaces")
}

/// Creates `name` with an empty state; refuses one that exists.
fn create(settings: &Settings, name: &str, lock: &LockArgs) -> anyhow::Result<()> {
    snapform_state::check_workspace_name(name)?;
    if known(settings)?.iter().any(|known| known == name) {
        bail!("workspace {name:?} already exists");
    }
    let mut backend = settings.open(name)?;
    let _lock = take_lock(backend.as_ref(), lock, "workspace new")?;
    if backend.read().context("cannot read the state")?.is_none() {
        backend
            .write(&State::new())
            .with_context(|| format!("cannot create workspace {name:?}"))?;
    }
    Ok(())
}

/// `SNAPFORM_WORKSPACE` chooses the workspace, so selecting another would do nothing.
fn refuse_override() -> anyhow::Result<()> {
    if let Some(name) = workspace_overridden() {
        bail!(
            "the workspace is chosen by {}={name}; unset it, or set it to the workspace you want",
            crate::env::WORKSPACE
        );
    }
    Ok(())
}
