//! `snapform state list|show|rm|mv|pull|push`: reading and editing the state without touching
//! the clouds.

use std::io::{Read, Write};

use anyhow::{Context, bail};
use snapform_core::ResourceInstanceAddr;
use snapform_state::{Backend, State};

use super::session::{config_for_state, open_backend, take_lock};
use crate::args::StateCommand;

fn read(backend: &(dyn Backend + Send)) -> anyhow::Result<State> {
    backend
        .read()
        .context("cannot read the state")?
        .with_context(|| format!("no state: {} does not exist", backend.describe()))
}

fn parse(addr: &str) -> anyhow::Result<ResourceInstanceAddr> {
    addr.parse()
        .with_context(|| format!("invalid address {addr:?}"))
}

/// Runs a state subcommand.
pub fn run(command: &StateCommand) -> anyhow::Result<i32> {
    let mut backend = open_backend(&config_for_state())?;
    let mut stdout = std::io::stdout().lock();
    match command {
        StateCommand::List { addrs } => {
            let state = read(backend.as_ref())?;
            for record in &state.resources {
                let text = record.addr.to_string();
                if addrs.is_empty()
                    || addrs.iter().any(|prefix| {
                        text == *prefix
                            || text.starts_with(&format!("{prefix}["))
                            || text.starts_with(&format!("{prefix}."))
                    })
                {
                    writeln!(stdout, "{text}")?;
                }
            }
        }
        StateCommand::Show { addr } => {
            let state = read(backend.as_ref())?;
            let addr = parse(addr)?;
            let record = state
                .resource(&addr)
                .with_context(|| format!("no resource at {addr} in the state"))?;
            crate::view::record::write(&mut stdout, record)?;
        }
        StateCommand::Rm {
            addrs,
            lock: lock_args,
        } => {
            let _lock = take_lock(backend.as_ref(), lock_args, "state rm")?;
            let mut state = read(backend.as_ref())?;
            let mut removed = 0;
            for addr in addrs {
                let addr = parse(addr)?;
                let record = state.remove(&addr);
                // An unfinished create is forgotten too: snapform stops looking for what it
                // made, and the next apply creates the instance anew.
                let intent = state.pending.remove(&addr);
                match (record, intent) {
                    (Some(_), _) => {
                        writeln!(stdout, "Removed {addr}")?;
                        removed += 1;
                    }
                    (None, Some(_)) => {
                        writeln!(
                            stdout,
                            "Removed {addr} (an unfinished create: snapform no longer looks for what it made)"
                        )?;
                        removed += 1;
                    }
                    (None, None) => {
                        bail!("no resource at {addr} in the state; nothing was removed")
                    }
                }
            }
            state.serial += 1;
            backend.write(&state)?;
            writeln!(
                stdout,
                "Successfully removed {removed} resource instance(s)."
            )?;
        }
        StateCommand::Mv {
            source,
            destination,
            lock: lock_args,
        } => {
            let _lock = take_lock(backend.as_ref(), lock_args, "state mv")?;
            let mut state = read(backend.as_ref())?;
            let from = parse(source)?;
            let to = parse(destination)?;
            if from.resource.type_name != to.resource.type_name {
                bail!("cannot move {from} to {to}: the resource types differ");
            }
            if state.resource(&to).is_some() {
                bail!("cannot move {from} to {to}: {to} is already in the state");
            }
            let mut record = state
                .remove(&from)
                .with_context(|| format!("no resource at {from} in the state"))?;
            record.addr = to.clone();
            state.upsert(record);
            state.serial += 1;
            backend.write(&state)?;
            writeln!(
                stdout,
                "Move \"{from}\" to \"{to}\"\nSuccessfully moved 1 object(s)."
            )?;
        }
        StateCommand::Pull => {
            let state = read(backend.as_ref())?;
            write!(stdout, "{}", snapform_state::statefile::encode(&state))?;
        }
        StateCommand::Push {
            path,
            force,
            lock: lock_args,
        } => {
            let _lock = take_lock(backend.as_ref(), lock_args, "state push")?;
            let text = if path.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                text
            } else {
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?
            };
            let mut pushed = snapform_state::statefile::decode(path, &text)?;
            if let Some(current) = backend.read()? {
                if !force && current.lineage != pushed.lineage {
                    bail!(
                        "cannot push a state of another lineage ({} here, {} pushed); use -force to replace it anyway",
                        current.lineage,
                        pushed.lineage
                    );
                }
                if !force && pushed.serial < current.serial {
                    bail!(
                        "cannot push an older state (serial {} here, {} pushed); use -force to replace it anyway",
                        current.serial,
                        pushed.serial
                    );
                }
                pushed.serial = pushed.serial.max(current.serial + 1);
            }
            backend.write(&pushed)?;
        }
    }
    Ok(0)
}
