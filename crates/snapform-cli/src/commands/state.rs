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

/// The recorded addresses `pattern` names: a whole resource names all its instances, an
/// instance of a series all its generations, as Terraform's state commands read them.
fn matching(state: &State, pattern: &ResourceInstanceAddr) -> Vec<ResourceInstanceAddr> {
    if state.resource(pattern).is_some() {
        return vec![pattern.clone()];
    }
    state
        .resources
        .instances_of(&pattern.resource)
        .filter(|record| {
            pattern.key == snapform_core::InstanceKey::None
                || (record.addr.key == pattern.key && pattern.generation.is_none())
        })
        .map(|record| record.addr.clone())
        .collect()
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
            let found = matching(&state, &addr);
            let record = match found.as_slice() {
                [] => bail!("no resource at {addr} in the state"),
                [one] => state.resource(one).context("just matched")?,
                many => bail!(
                    "{addr} names {} recorded instances; show one of them: {}",
                    many.len(),
                    many.iter()
                        .take(10)
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
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
                let found = matching(&state, &addr);
                for one in &found {
                    state.remove(one);
                    // A create left unfinished at the same address is forgotten too.
                    state.pending.remove(one);
                    writeln!(stdout, "Removed {one}")?;
                    removed += 1;
                }
                // An unfinished create alone: snapform stops looking for what it made, and
                // the next apply creates the instance anew.
                if found.is_empty() {
                    if state.pending.remove(&addr).is_some() {
                        writeln!(
                            stdout,
                            "Removed {addr} (an unfinished create: snapform no longer looks for what it made)"
                        )?;
                        removed += 1;
                    } else {
                        bail!("no resource at {addr} in the state; nothing was removed");
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
            let found = matching(&state, &from);
            if found.is_empty() {
                bail!("no resource at {from} in the state");
            }
            // Where each matched instance goes: a whole resource keeps its keys, an instance of
            // a series keeps its generations.
            let exact = found.len() == 1 && found[0] == from;
            let moves: Vec<(ResourceInstanceAddr, ResourceInstanceAddr)> = found
                .into_iter()
                .map(|one| {
                    if exact {
                        return (one, to.clone());
                    }
                    let mut target = one.clone();
                    target.resource = to.resource.clone();
                    if from.key != snapform_core::InstanceKey::None {
                        target.key = to.key.clone();
                    }
                    (one, target)
                })
                .collect();
            for (one, target) in &moves {
                if state.resource(target).is_some() {
                    bail!("cannot move {one} to {target}: {target} is already in the state");
                }
            }
            for (one, target) in &moves {
                let mut record = state.remove(one).context("just matched")?;
                record.addr = target.clone();
                state.upsert(record);
                writeln!(stdout, "Move \"{one}\" to \"{target}\"")?;
            }
            state.serial += 1;
            backend.write(&state)?;
            writeln!(stdout, "Successfully moved {} object(s).", moves.len())?;
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
            let mut pushed = super::tfstate::decode_for_push(path, &text, &mut stdout)?;
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
