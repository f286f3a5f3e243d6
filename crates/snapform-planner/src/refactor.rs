//! What `moved` and `import` blocks do to the state a plan is made against (DESIGN §14).
//!
//! Moves run in the order the configuration put them in (chained statements after those they
//! start from), over a copy of the refreshed state that only the diff sees: the plan's
//! `prior_state` keeps the recorded addresses, and each change says where its object was
//! (`moved_from`), so apply renames the records before any step, as it does for series. An
//! object cannot move onto an address that already holds one: that is an error, since
//! planning on would delete one of the two backups.
//!
//! Imports put what the import blocks' IDs read into the refreshed state, as adoptions do,
//! so the diff compares them with the configuration and apply records them before anything
//! else, without calling the clouds again.

use std::collections::BTreeMap;

use snapform_config::Config;
use snapform_core::{Diagnostic, ProviderAddr, ResourceInstanceAddr, Value};
use snapform_provider::ResourceState;
use snapform_state::{ResourceRecord, State};

use crate::refresh::status_of;

/// The state after the configuration's moves, and where each moved object was recorded.
pub(crate) struct Moved {
    pub(crate) state: State,
    /// New address to the address the object has in the recorded state.
    pub(crate) from: BTreeMap<ResourceInstanceAddr, ResourceInstanceAddr>,
}

/// Runs `config`'s moved blocks over `state`; `None` when it has none, so a fleet's state is
/// not copied for nothing.
pub(crate) fn apply_moves(
    config: &Config,
    state: &State,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Moved> {
    if config.moves.is_empty() {
        return None;
    }
    let mut moved = Moved {
        state: state.clone(),
        from: BTreeMap::new(),
    };
    for statement in &config.moves {
        let matching: Vec<(ResourceInstanceAddr, ResourceInstanceAddr)> = moved
            .state
            .resources
            .instances_of(&statement.from.resource)
            .filter_map(|record| Some((record.addr.clone(), statement.destination(&record.addr)?)))
            .collect();
        for (old, new) in matching {
            if let Some(there) = moved.state.resource(&new) {
                let here = moved.state.resource(&old).map_or("?", |record| &record.id);
                diagnostics.push(
                    Diagnostic::error(
                        "moved-target-exists",
                        format!(
                            "cannot move {old} to {new}: {new} already holds an object ({}), and {old} holds {here}",
                            there.id
                        ),
                        statement.span,
                    )
                    .with_help(format!(
                        "planning on would delete one of the two snapshots; decide which one {new} is: `snapform state rm '{new}'` to stop managing the one there, or `snapform state rm '{old}'` to stop managing this one, then plan again"
                    )),
                );
                continue;
            }
            if let Some(mut record) = moved.state.remove(&old) {
                let original = moved.from.remove(&old).unwrap_or_else(|| old.clone());
                record.addr = new.clone();
                moved.state.upsert(record);
                moved.from.insert(new, original);
            }
        }
    }
    Some(moved)
}

/// What an import block's ID read in the cloud: `None` when there is no such object.
pub type ImportReads = BTreeMap<ResourceInstanceAddr, Option<ResourceState>>;

/// Puts the objects the import blocks name into `state`, returning the imported addresses
/// with their IDs. Blocks whose target the state already records are done and skipped.
pub(crate) fn apply_imports(
    config: &Config,
    state: &mut State,
    reads: &ImportReads,
    regions: &BTreeMap<ProviderAddr, String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<ResourceInstanceAddr, String> {
    let mut imported = BTreeMap::new();
    if config.imports.is_empty() {
        return imported;
    }
    let mut managed: std::collections::HashMap<(String, String), ResourceInstanceAddr> = state
        .resources
        .iter()
        .map(|record| {
            (
                (record.addr.resource.type_name.clone(), record.id.clone()),
                record.addr.clone(),
            )
        })
        .collect();
    for import in &config.imports {
        if state.resource(&import.to).is_some() {
            continue;
        }
        let Some((resource, instance)) = config.instance(&import.to) else {
            let (message, help) = match config.resource(&import.to.resource) {
                None => (
                    format!(
                        "the configuration has no resource block for {}, the import's target",
                        import.to
                    ),
                    format!(
                        "add a `resource {:?} {:?}` block, or run `snapform plan -generate-config-out=FILE` to have one written",
                        import.to.resource.type_name, import.to.resource.name
                    ),
                ),
                Some(_) => (
                    format!(
                        "{} is not an instance the configuration declares",
                        import.to
                    ),
                    "check the key against the resource's count or for_each".to_owned(),
                ),
            };
            diagnostics.push(
                Diagnostic::error("import-target-missing", message, import.span).with_help(help),
            );
            continue;
        };
        let key = (import.to.resource.type_name.clone(), import.id.clone());
        if let Some(other) = managed.get(&key) {
            diagnostics.push(
                Diagnostic::error(
                    "import-already-managed",
                    format!("{} is already managed by snapform as {other}", import.id),
                    import.span,
                )
                .with_help(format!(
                    "an object has one address: use a moved block from {other} to {} instead, or remove this import block",
                    import.to
                )),
            );
            continue;
        }
        let region = regions.get(&resource.provider).cloned().unwrap_or_default();
        let found = match reads.get(&import.to) {
            Some(Some(found)) if found.id == import.id => found,
            _ => {
                diagnostics.push(
                    Diagnostic::error(
                        "import-not-found",
                        format!(
                            "cannot import non-existent remote object: there is no {} with ID {} in region {region}",
                            import.to.resource.type_name, import.id
                        ),
                        import.span,
                    )
                    .with_help("check the ID and the provider's region; the cloud's console lists the snapshot's ID"),
                );
                continue;
            }
        };
        // The configuration's arguments fill in what the Describe answer does not carry.
        let mut attributes: BTreeMap<String, Value> = instance
            .arguments
            .iter()
            .filter(|(_, value)| value.is_known())
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        attributes.extend(found.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
        state.upsert(ResourceRecord {
            addr: import.to.clone(),
            provider: resource.provider.clone(),
            region,
            id: import.id.clone(),
            attributes,
            dependencies: resource.depends_on.clone(),
            status: status_of(&found.readiness),
            sensitive_attributes: instance.sensitive.clone(),
        });
        // An unfinished create at the address is settled by the import, as `snapform import`
        // settles it.
        state.pending.remove(&import.to);
        managed.insert(key, import.to.clone());
        imported.insert(import.to.clone(), import.id.clone());
    }
    imported
}
