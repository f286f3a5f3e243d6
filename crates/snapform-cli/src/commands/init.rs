//! `snapform init [-migrate-state] [-reconfigure] [-force-copy] [-backend-config=KEY=VALUE]...`:
//! checks the backend (for `pg`: connects, and creates the schema and tables on first use),
//! and when the backend changed since the last `init` shows what it would copy and, with
//! `-migrate-state`, copies every workspace's state from the old backend to the new one (local
//! to pg and back). What it settled on goes to `.snapform/backend.json`, with the
//! `-backend-config` values every later command needs.
//!
//! A copy never overwrites a different state: a destination that holds another lineage, or a
//! newer serial of the same one, is refused and left as it is. The old backend's state is left
//! as it was.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use anyhow::{Context, bail};
use snapform_core::SourceMap;
use snapform_state::State;

use super::session::{report, take_lock};
use crate::args::InitArgs;
use crate::backend::{
    DEFAULT_WORKSPACE, Recorded, Settings, block_hash, read_recorded, write_recorded,
};

/// Runs `init`.
pub fn run(args: &InitArgs) -> anyhow::Result<i32> {
    let mut sources = SourceMap::new();
    let options = snapform_config::LoadOptions {
        allow_unset_variables: true,
        workspace: crate::backend::workspace().ok(),
        ..Default::default()
    };
    let loaded = snapform_config::load_dir(super::config_dir(), &options, &mut sources);
    if report(&loaded.diagnostics, &sources)? {
        return Ok(1);
    }
    let block = &loaded.config.backend;
    let recorded = read_recorded()?;
    // Running init again with the same block and no -backend-config keeps what the last
    // init was given, rather than reading it as a change of backend.
    let backend_config = match &recorded {
        Some(recorded)
            if args.backend_config.is_empty() && recorded.block_hash == block_hash(block) =>
        {
            recorded.backend_config.clone()
        }
        _ => parse_backend_config(&args.backend_config)?,
    };
    let mut new = Settings::of_block(block);
    new.configure(&backend_config)?;
    let old = match recorded {
        Some(recorded) => recorded.settings,
        None => Settings::default_local(),
    };
    let record = Recorded {
        version: 1,
        block_hash: block_hash(block),
        settings: new.clone(),
        backend_config,
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "Initializing the backend...")?;
    if !args.reconfigure {
        super::tfstate::migrate_terraform_local(&loaded.config, &new, args, &mut stdout)?;
    }
    if old.same_storage(&new) || args.reconfigure {
        check(&new)?;
        write_recorded(&record)?;
        writeln!(
            stdout,
            "\nsnapform has been successfully initialized with {}!",
            new.describe()
        )?;
        return Ok(0);
    }

    // The backend changed: what does the old one hold?
    let states = states_of(&old)?;
    if states.is_empty() {
        check(&new)?;
        write_recorded(&record)?;
        writeln!(
            stdout,
            "\n{} holds no state, so there is nothing to copy.\nsnapform has been successfully initialized with {}!",
            capitalized(&old.describe()),
            new.describe()
        )?;
        return Ok(0);
    }
    let listing: Vec<String> = states
        .iter()
        .map(|(workspace, state)| format!("  {workspace}: {}", summary(state)))
        .collect();
    if !args.migrate_state {
        bail!(
            "the backend changed from {} to {}, and the old one holds state:\n{}\n  hint: run `snapform init -migrate-state` to copy it, or `snapform init -reconfigure` to use the new backend without it",
            old.describe(),
            new.describe(),
            listing.join("\n")
        );
    }
    writeln!(
        stdout,
        "\nThe backend changed from {} to {}.\nsnapform will copy the state of {} workspace(s):\n{}",
        old.describe(),
        new.describe(),
        states.len(),
        listing.join("\n")
    )?;

    // Nothing is overwritten that is not an older copy of the same state.
    let mut plan = Vec::new();
    let mut refused = Vec::new();
    for (workspace, state) in &states {
        let destination = new.open(workspace)?;
        let existing = destination
            .read()
            .with_context(|| format!("cannot read workspace {workspace} of {}", new.describe()))?;
        match existing {
            None => plan.push((workspace.clone(), None)),
            Some(there) if there.is_empty() && there.outputs.is_empty() => {
                plan.push((workspace.clone(), Some(there.serial)));
            }
            Some(there) if there.lineage == state.lineage && there.serial < state.serial => {
                plan.push((workspace.clone(), Some(there.serial)));
            }
            Some(there) if there.lineage == state.lineage && there.serial == state.serial => {
                writeln!(
                    stdout,
                    "  {workspace}: {} already holds this state (serial {}); nothing to copy",
                    new.describe(),
                    there.serial
                )?;
            }
            Some(there) => refused.push(format!(
                "  {workspace}: {} already holds {} of lineage {}, which a copy would overwrite",
                new.describe(),
                summary(&there),
                there.lineage
            )),
        }
    }
    if !refused.is_empty() {
        bail!(
            "the state cannot be copied without losing what the new backend holds:\n{}\n  hint: keep that state with `snapform state pull` and remove it, or use `snapform init -reconfigure` to keep the new backend's state as it is",
            refused.join("\n")
        );
    }
    if !plan.is_empty() && !args.force_copy && !confirmed(&mut stdout)? {
        writeln!(stdout, "\nMigration cancelled; nothing was copied.")?;
        return Ok(1);
    }
    for (workspace, existing_serial) in &plan {
        copy(&old, &new, workspace, *existing_serial, args)?;
        writeln!(stdout, "  {workspace}: copied")?;
    }
    write_recorded(&record)?;
    writeln!(
        stdout,
        "\nSuccessfully copied the state to {}; {} still holds its copy, which snapform no longer uses.\nsnapform has been successfully initialized with {}!",
        new.describe(),
        old.describe(),
        new.describe()
    )?;
    Ok(0)
}

/// `-backend-config` values by key; a later value of a key wins.
fn parse_backend_config(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut res = BTreeMap::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            // The value may be a connection string: never echo it.
            bail!(
                "-backend-config takes KEY=VALUE (such as conn_str=postgres://... or schema_name=team_a); a file of settings is not supported"
            );
        };
        res.insert(key.trim().to_owned(), value.to_owned());
    }
    Ok(res)
}

/// Connects to the backend (for `pg`, creating the schema and tables on first use).
fn check(settings: &Settings) -> anyhow::Result<()> {
    let backend = settings.open(DEFAULT_WORKSPACE)?;
    backend
        .workspaces()
        .with_context(|| format!("cannot use {}", settings.describe()))?;
    Ok(())
}

/// Every workspace's state in `settings`' backend.
fn states_of(settings: &Settings) -> anyhow::Result<Vec<(String, State)>> {
    let backend = settings
        .open(DEFAULT_WORKSPACE)
        .with_context(|| format!("cannot open the previous backend, {}", settings.describe()))?;
    let mut res = Vec::new();
    for workspace in backend.workspaces().context("cannot list the workspaces")? {
        let state = settings
            .open(&workspace)?
            .read()
            .with_context(|| format!("cannot read workspace {workspace}"))?;
        if let Some(state) = state {
            res.push((workspace, state));
        }
    }
    Ok(res)
}

/// Copies `workspace` under both backends' locks, then reads it back.
fn copy(
    old: &Settings,
    new: &Settings,
    workspace: &str,
    existing_serial: Option<u64>,
    args: &InitArgs,
) -> anyhow::Result<()> {
    let source = old.open(workspace)?;
    let _source_lock = take_lock(source.as_ref(), &args.lock, "init -migrate-state")?;
    let mut destination = new.open(workspace)?;
    let _destination_lock = take_lock(destination.as_ref(), &args.lock, "init -migrate-state")?;
    let mut state = source
        .read()
        .context("cannot read the state to copy")?
        .context("the state to copy is gone")?;
    if let Some(serial) = existing_serial {
        state.serial = state.serial.max(serial + 1);
    }
    destination
        .write(&state)
        .with_context(|| format!("cannot write workspace {workspace} to {}", new.describe()))?;
    let copied = destination
        .read()
        .context("cannot read the copied state back")?;
    if copied.as_ref() != Some(&state) {
        bail!(
            "workspace {workspace}: the state read back from {} differs from the one copied",
            new.describe()
        );
    }
    Ok(())
}

fn summary(state: &State) -> String {
    format!(
        "serial {}, {} resource(s){}",
        state.serial,
        state.resources.len(),
        if state.pending.is_empty() {
            String::new()
        } else {
            format!(", {} unfinished create(s)", state.pending.len())
        }
    )
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Asks before copying; only `yes` proceeds, also from a pipe.
pub(super) fn confirmed(stdout: &mut impl Write) -> anyhow::Result<bool> {
    write!(
        stdout,
        "\n{}\n  Only 'yes' will be accepted to approve.\n\n  {} ",
        console::style("Do you want to copy the state to the new backend?").bold(),
        console::style("Enter a value:").bold()
    )?;
    stdout.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    writeln!(stdout)?;
    Ok(answer.trim_end_matches(['\n', '\r']) == "yes")
}
