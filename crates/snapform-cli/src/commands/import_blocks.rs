//! The cloud side of `import` blocks: reading the objects their IDs name (one batched Describe
//! per provider and type, through the same path as refresh), and `plan
//! -generate-config-out=FILE`, which writes a resource block for every import whose target
//! the configuration does not declare, with the arguments the cloud reports.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use snapform_apply::Providers;
use snapform_core::{InstanceKey, ProviderAddr, Value};
use snapform_planner::ImportReads;
use snapform_provider::ReadRequest;
use snapform_state::{RecordStatus, ResourceRecord, State};

use crate::commands::discover;
use crate::commands::session::Session;

/// Reads what the import blocks of the configuration name, for targets the state does not
/// record yet. A provider the configuration does not build is left out; the planner then
/// reports the import as unreadable at its block.
pub fn read(
    session: &Session,
    providers: &Providers,
    regions: &BTreeMap<ProviderAddr, String>,
) -> anyhow::Result<ImportReads> {
    // The imports as records of a state of their own, so they are read in the same batches
    // and with the same rules as a refresh.
    let mut wanted = State::new();
    for import in &session.config.imports {
        if session.state.resource(&import.to).is_some() {
            continue;
        }
        let Some((resource, instance)) = session.config.instance(&import.to) else {
            continue;
        };
        if !providers.contains_key(&resource.provider) {
            continue;
        }
        wanted.upsert(ResourceRecord {
            addr: import.to.clone(),
            provider: resource.provider.clone(),
            region: regions.get(&resource.provider).cloned().unwrap_or_default(),
            id: import.id.clone(),
            // Providers that read per parent (ECD lists per desktop) need the arguments.
            attributes: known(&instance.arguments),
            dependencies: Vec::new(),
            status: RecordStatus::Ready,
            sensitive_attributes: Default::default(),
        });
    }
    if wanted.resources.is_empty() {
        return Ok(ImportReads::new());
    }
    let result = session
        .runtime
        .block_on(snapform_apply::refresh(&wanted, providers, None))
        .context("reading the objects of the import blocks failed")?;
    Ok(result.read.into_iter().collect())
}

fn known(arguments: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    arguments
        .iter()
        .filter(|(_, value)| value.is_known())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// `-generate-config-out=FILE`: writes a resource block for each import block whose target
/// has no resource block, read from the cloud. Returns whether it wrote the file (the caller
/// then loads the configuration again, FILE included).
pub fn generate_config(session: &Session, out: &Path) -> anyhow::Result<bool> {
    if std::fs::symlink_metadata(out).is_ok() {
        bail!(
            "-generate-config-out={}: the file already exists, and snapform never overwrites it; choose a new file name, or move the file away",
            out.display()
        );
    }
    if out.extension().and_then(|ext| ext.to_str()) != Some("hcl")
        || out.parent().is_some_and(|dir| !dir.as_os_str().is_empty())
    {
        bail!(
            "-generate-config-out={}: name a new .hcl file in the configuration's directory, such as generated.hcl, so that the plan reads the blocks written there",
            out.display()
        );
    }
    let mut missing = Vec::new();
    for import in &session.config.imports {
        if session.config.resource(&import.to.resource).is_some() {
            continue;
        }
        if import.to.key != InstanceKey::None {
            bail!(
                "-generate-config-out cannot write a block for {}: the import names an instance of a resource with count or for_each; write the resource block yourself",
                import.to
            );
        }
        missing.push(import);
    }
    let mut stdout = std::io::stdout().lock();
    if missing.is_empty() {
        writeln!(
            stdout,
            "Every import block's target has a resource block, so {} was not written.\n",
            out.display()
        )?;
        return Ok(false);
    }
    let emulator = session.emulator_target();
    let mut by_provider: BTreeMap<(ProviderAddr, &str), Vec<&snapform_config::Import>> =
        BTreeMap::new();
    for import in &missing {
        let schema = snapform_core::schema::resource_schema(&import.to.resource.type_name)
            .context("import blocks name known types")?;
        let (provider, _) =
            discover::provider_for(&session.config, schema, None, emulator.as_ref())?;
        by_provider
            .entry((provider, schema.type_name))
            .or_default()
            .push(import);
    }
    let mut blocks = Vec::new();
    let mut warnings = Vec::new();
    for ((provider_addr, type_name), imports) in by_provider {
        let schema = snapform_core::schema::resource_schema(type_name)
            .context("import blocks name known types")?;
        let (provider, region) = session.one_provider(&provider_addr)?;
        let requests: Vec<ReadRequest> = imports
            .iter()
            .map(|import| ReadRequest {
                id: import.id.clone(),
                recorded: Default::default(),
            })
            .collect();
        let found = session
            .runtime
            .block_on(provider.read_many(type_name, &requests))
            .with_context(|| format!("cannot read the {type_name} objects to import"))?;
        for import in imports {
            let Some(state) = found.iter().find(|state| state.id == import.id) else {
                bail!(
                    "cannot import non-existent remote object: there is no {type_name} with ID {} in region {}, so no block was written for {}",
                    import.id,
                    region,
                    import.to
                );
            };
            blocks.push(discover::resource_block(
                schema,
                state,
                &import.to.resource.name,
                &provider_addr,
                &mut warnings,
            ));
        }
    }
    let header = "# __generated__ by snapform plan -generate-config-out\n# Please review these resource blocks and move them into your main configuration files.\n\n";
    discover::write_generated(out, header, &blocks)?;
    discover::print_warnings(&warnings)?;
    writeln!(
        stdout,
        "Wrote {} resource block(s) for import blocks without one to {}; the plan below reads them.\n",
        blocks.len(),
        out.display()
    )?;
    Ok(true)
}
