//! Folding what refresh read from the clouds into the state, and noticing drift.

use std::collections::BTreeMap;

use snapform_core::{ResourceInstanceAddr, Value};
use snapform_provider::{Readiness, ResourceState};
use snapform_state::{Intent, RecordStatus, ResourceRecord, State};

use crate::adoption::Adoption;
use crate::model::{Blocked, Drift, DriftKind};
use crate::values::normalize_arguments;

/// What reading the clouds found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RefreshResult {
    /// The recorded instances that were read and are not as recorded, with what the cloud
    /// has (`None`: gone). Those the cloud has as recorded ([`as_recorded`]) are only
    /// counted: a fleet's refresh finds most of them so, and the state already says it all.
    pub read: BTreeMap<ResourceInstanceAddr, Option<ResourceState>>,
    /// How many instances were read and found as recorded.
    pub as_recorded: usize,
    /// Pending creates looked up: what each made, if anything (see [`crate::adoption`]).
    pub adoptions: BTreeMap<ResourceInstanceAddr, Adoption>,
}

/// The state as the clouds have it, and what changed on the way.
#[derive(Clone, Debug, Default)]
pub struct Refreshed {
    /// The refreshed state.
    pub state: State,
    /// What changed outside snapform.
    pub drift: Vec<Drift>,
    /// Instances adopted from interrupted creates.
    pub adopted: Vec<ResourceInstanceAddr>,
    /// Interrupted creates whose lookup found several candidates: their intents stay, and
    /// nothing is created for them until the user settles which is theirs.
    pub blocked: Vec<Blocked>,
}

/// Whether the cloud has `record` as it is recorded: the same object, status and attributes.
/// Folding such a read into the state changes nothing.
pub fn as_recorded(record: &ResourceRecord, found: &ResourceState) -> bool {
    found.id == record.id
        && refreshed_status(record, found) == record.status
        && found
            .attributes
            .iter()
            .all(|(name, value)| record.attributes.get(name) == Some(value))
}

/// The status a record takes from what the cloud reports: a tainted one stays tainted until
/// it is replaced.
fn refreshed_status(record: &ResourceRecord, found: &ResourceState) -> RecordStatus {
    match (record.status, status_of(&found.readiness)) {
        (RecordStatus::Tainted, _) => RecordStatus::Tainted,
        (_, status) => status,
    }
}

/// The record status of what the cloud reports: a failed create is tainted.
pub fn status_of(readiness: &Readiness) -> RecordStatus {
    match readiness {
        Readiness::Ready => RecordStatus::Ready,
        Readiness::Creating { .. } | Readiness::Deleting => RecordStatus::Creating,
        Readiness::Failed { .. } => RecordStatus::Tainted,
    }
}

/// The state as the clouds have it now, the drift from the record, the instances adopted
/// from pending creates and those whose lookup was ambiguous. `prior` becomes the refreshed
/// state in place: a fleet's state is not copied, and a record the cloud has as recorded is
/// left as it is.
pub fn refreshed_state(prior: State, refresh: RefreshResult) -> Refreshed {
    let RefreshResult {
        mut read,
        adoptions,
        as_recorded: _,
    } = refresh;
    let mut state = prior;
    let mut drift = Vec::new();
    // In the state's order, so drift is listed by address.
    let read_addrs: Vec<ResourceInstanceAddr> = state
        .resources
        .iter()
        .filter(|record| read.contains_key(&record.addr))
        .map(|record| record.addr.clone())
        .collect();
    for addr in read_addrs {
        // Taken out as it is used: what was read is freed as the refreshed state is made.
        let Some(read) = read.remove(&addr) else {
            continue;
        };
        let Some(record) = state.resource(&addr) else {
            continue;
        };
        let Some(schema) = record.schema() else {
            continue;
        };
        match read {
            None => {
                drift.push(Drift {
                    addr: record.addr.clone(),
                    schema,
                    provider: record.provider.clone(),
                    id: record.id.clone(),
                    kind: DriftKind::Deleted,
                    before: Some(record.attributes.clone()),
                    after: None,
                    sensitive: record.sensitive_attributes.clone(),
                });
                state.remove(&addr);
            }
            Some(found) => {
                // The common case, the cloud as recorded: the record stays as it is.
                if as_recorded(record, &found) {
                    continue;
                }
                let status = refreshed_status(record, &found);
                let mut attributes = record.attributes.clone();
                attributes.extend(found.attributes);
                let changed = normalize_arguments(schema, &record.attributes)
                    != normalize_arguments(schema, &attributes);
                if changed {
                    drift.push(Drift {
                        addr: record.addr.clone(),
                        schema,
                        provider: record.provider.clone(),
                        id: found.id.clone(),
                        kind: DriftKind::Changed,
                        before: Some(record.attributes.clone()),
                        after: Some(attributes.clone()),
                        sensitive: record.sensitive_attributes.clone(),
                    });
                }
                let refreshed = ResourceRecord {
                    attributes,
                    status,
                    id: found.id,
                    ..record.clone()
                };
                state.upsert(refreshed);
            }
        }
    }
    let mut adopted = Vec::new();
    let mut blocked = Vec::new();
    let pending: Vec<Intent> = state.pending.iter().cloned().collect();
    for intent in &pending {
        let Some(found) = adoptions.get(&intent.addr) else {
            continue;
        };
        match found {
            Adoption::Found(found)
                if snapform_core::schema::resource_schema(&intent.addr.resource.type_name)
                    .is_some()
                    && state.resource(&intent.addr).is_none() =>
            {
                let mut attributes: BTreeMap<String, Value> = intent.arguments.clone();
                attributes.extend(found.attributes.iter().map(|(k, v)| (k.clone(), v.clone())));
                state.upsert(ResourceRecord {
                    addr: intent.addr.clone(),
                    provider: intent.provider.clone(),
                    region: intent.region.clone(),
                    id: found.id.clone(),
                    attributes,
                    dependencies: Vec::new(),
                    status: status_of(&found.readiness),
                    sensitive_attributes: intent.sensitive.clone(),
                });
                adopted.push(intent.addr.clone());
            }
            Adoption::Ambiguous(candidates) => {
                blocked.push(Blocked {
                    addr: intent.addr.clone(),
                    candidates: candidates
                        .iter()
                        .map(|candidate| candidate.id.clone())
                        .collect(),
                });
                continue;
            }
            Adoption::Found(_) | Adoption::Nothing => {}
        }
        state.pending.remove(&intent.addr);
    }
    Refreshed {
        state,
        drift,
        adopted,
        blocked,
    }
}
