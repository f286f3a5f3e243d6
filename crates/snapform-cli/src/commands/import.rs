//! `snapform import ADDR ID`: takes an existing cloud resource into the state under an address
//! the configuration declares, reading its attributes from the cloud. All five types import.
//! A resource with `rotation` imports objects as generations, `ADDR@TICK`, where the tick is
//! one of its schedule's.

use std::io::Write;

use anyhow::{Context, bail};
use snapform_provider::ReadRequest;
use snapform_state::ResourceRecord;

use crate::args::ImportArgs;
use crate::commands::session::{Session, SessionOptions};

/// Runs `import`.
pub fn run(args: &ImportArgs, emulator: bool) -> anyhow::Result<i32> {
    let addr: snapform_core::ResourceInstanceAddr = args
        .addr
        .parse()
        .with_context(|| format!("invalid address {:?}", args.addr))?;
    let Some(mut session) = Session::open(&SessionOptions {
        vars: &args.vars,
        lock: &args.lock,
        operation: "import",
        emulator,
        // Import reads the target instance's evaluated arguments.
        forget_instances: false,
    })?
    else {
        return Ok(1);
    };
    let Some(resource) = session.config.resource(&addr.resource) else {
        bail!(
            "{} is not in the configuration; add a `resource {:?} {:?}` block first, then import into it",
            addr.resource,
            addr.resource.type_name,
            addr.resource.name
        );
    };
    let Some((_, declared)) = session.config.instance(&addr.instance()) else {
        bail!(
            "{} is not an instance the configuration declares (check its count or for_each key)",
            addr.instance()
        );
    };
    let evaluated;
    let instance = match (&resource.rotation, addr.generation) {
        (None, None) => declared,
        (None, Some(_)) => bail!(
            "{addr} names a generation, but {} has no rotation block; import the object as {}",
            addr.resource,
            addr.instance()
        ),
        (Some(rotation), None) => {
            let example = rotation
                .latest_tick(jiff::Timestamp::now())
                .map_or_else(String::new, |tick| format!(", for example {addr}@{tick}"));
            bail!(
                "{addr} is a series (it has a rotation block, schedule {}); import an object as one of its generations, {addr}@TICK{example}",
                rotation.describe()
            )
        }
        (Some(rotation), Some(tick)) => {
            if rotation.tick_at_or_before(tick) != Some(tick) {
                let around = [rotation.tick_at_or_before(tick), rotation.tick_after(tick)]
                    .into_iter()
                    .flatten()
                    .map(|tick| tick.to_string())
                    .collect::<Vec<_>>()
                    .join(" and ");
                bail!(
                    "{tick} is not a tick of {}'s schedule {}; the ticks around it are {around}",
                    addr.instance(),
                    rotation.describe()
                );
            }
            // The generation's arguments, with `rotation.time` at its tick.
            let values = snapform_planner::StateValues::over(&session.state);
            let (instances, _) =
                session
                    .config
                    .evaluate_resource_at(&addr.resource, &values, Some(tick));
            evaluated = instances
                .into_iter()
                .find(|instance| instance.addr == addr.instance());
            evaluated.as_ref().unwrap_or(declared)
        }
    };
    if session.state.resource(&addr).is_some() {
        bail!(
            "{addr} is already managed by snapform; remove it with `snapform state rm {addr}` first to import another object"
        );
    }
    if let Some(other) = session
        .state
        .resources
        .iter()
        .find(|record| record.id == args.id)
    {
        bail!(
            "{} is already managed by snapform as {}",
            args.id,
            other.addr
        );
    }
    let provider_addr = resource.provider.clone();
    let instance_sensitive = instance.sensitive.clone();
    // The configuration's arguments help providers that read per parent (ECD lists per desktop).
    let recorded: snapform_provider::Attributes = instance
        .arguments
        .iter()
        .filter(|(_, value)| value.is_known())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (provider, region) = session.one_provider(&provider_addr)?;
    let request = ReadRequest {
        id: args.id.clone(),
        recorded: std::borrow::Cow::Owned(recorded),
    };
    let found = session
        .runtime
        .block_on(provider.read_many(&addr.resource.type_name, std::slice::from_ref(&request)))
        .with_context(|| format!("cannot read {} from the cloud", args.id))?;
    let Some(found) = found.into_iter().find(|state| state.id == args.id) else {
        bail!(
            "cannot import non-existent remote object: no {} with ID {} in region {}",
            addr.resource.type_name,
            args.id,
            region
        );
    };
    let mut state = session.state.clone();
    // Importing settles an unfinished create at this address: the imported object is its own.
    state.pending.remove(&addr);
    let mut attributes = request.recorded.into_owned();
    attributes.extend(found.attributes);
    state.upsert(ResourceRecord {
        addr: addr.clone(),
        provider: provider_addr.clone(),
        region: region.clone(),
        id: args.id.clone(),
        attributes,
        dependencies: resource.depends_on.clone(),
        status: snapform_planner::status_of(&found.readiness),
        sensitive_attributes: instance_sensitive,
    });
    state.serial += 1;
    session
        .backend
        .as_mut()
        .context("the backend is open")?
        .write(&state)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}: Importing from ID \"{}\"...", addr, args.id)?;
    writeln!(
        stdout,
        "{}: Import prepared!\n  Prepared {} for import",
        addr, addr.resource.type_name
    )?;
    writeln!(
        stdout,
        "\n{}\n\nThe resource shown above has been imported and is now managed by snapform.",
        console::style("Import successful!").green().bold()
    )?;
    Ok(0)
}
