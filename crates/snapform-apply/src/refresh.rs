//! Refresh: reads every recorded resource with one batched `read_many` per (provider
//! configuration, resource type), never one call per resource, and looks up what interrupted
//! creates made with one batched `lookup_many` per (provider configuration, resource type).

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use snapform_core::{ProviderAddr, ResourceInstanceAddr};
use snapform_planner::RefreshResult;
use snapform_planner::adoption;
use std::borrow::Cow;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use snapform_provider::{LookupRequest, ReadRequest, ResourceState};
use snapform_state::{Intent, ResourceRecord, State};
use tokio::task::JoinSet;

use crate::Providers;

/// A read that failed, with what it was about.
#[derive(Debug)]
pub struct RefreshError {
    /// The provider configuration.
    pub provider: ProviderAddr,
    /// The resource type.
    pub type_name: String,
    /// What the cloud said.
    pub error: snapform_provider::Error,
}

impl std::fmt::Display for RefreshError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot read {} resources through provider {}: {}",
            self.type_name, self.provider, self.error
        )
    }
}

impl std::error::Error for RefreshError {}

/// Reads every resource of `state` (only `only` when given) and looks up its pending
/// creates.
pub async fn refresh(
    state: &State,
    providers: &Providers,
    only: Option<&dyn Fn(&ResourceInstanceAddr) -> bool>,
) -> Result<RefreshResult, RefreshError> {
    refresh_with(state, providers, only, false).await
}

/// [`refresh`], or with `one_call_per_resource` the way Terraform's providers read (one
/// Describe per resource, ten at a time), for the benchmark's comparison.
///
/// The reads borrow the records they ask about, so they run together in this task rather
/// than as tasks of their own, and each answer is compared with its record as its page is
/// read, those the cloud has as recorded only counted: a fleet's refresh holds the state and
/// a page of answers per type, never a copy of every record or every answer.
pub async fn refresh_with(
    state: &State,
    providers: &Providers,
    only: Option<&dyn Fn(&ResourceInstanceAddr) -> bool>,
    one_call_per_resource: bool,
) -> Result<RefreshResult, RefreshError> {
    type Members<'s> = Vec<(&'s ResourceRecord, ReadRequest<'s>)>;
    let mut groups: BTreeMap<(&ProviderAddr, &str), Members<'_>> = BTreeMap::new();
    for record in &state.resources {
        if only.is_some_and(|only| !only(&record.addr)) {
            continue;
        }
        groups
            .entry((&record.provider, record.addr.resource.type_name.as_str()))
            .or_default()
            .push((
                record,
                ReadRequest {
                    id: record.id.clone(),
                    recorded: Cow::Borrowed(&record.attributes),
                },
            ));
    }
    // Terraform's way reads ten at a time over the whole refresh.
    let limit = tokio::sync::Semaphore::new(10);
    let mut reads = FuturesUnordered::new();
    for ((provider_addr, type_name), members) in groups {
        let Some(provider) = providers.get(provider_addr) else {
            return Err(RefreshError {
                provider: provider_addr.clone(),
                type_name: type_name.to_owned(),
                error: snapform_provider::Error::new(
                    snapform_provider::ErrorKind::Permanent,
                    "",
                    "ProviderNotConfigured",
                    "the state names a provider configuration that the configuration no longer declares",
                ),
            });
        };
        let batches: Vec<Members<'_>> = if one_call_per_resource {
            members.into_iter().map(|member| vec![member]).collect()
        } else {
            vec![members]
        };
        for batch in batches {
            let limit = &limit;
            reads.push(async move {
                let _slot = match one_call_per_resource {
                    true => Some(limit.acquire().await.expect("never closed")),
                    false => None,
                };
                let (records, requests): (Vec<&ResourceRecord>, Vec<ReadRequest<'_>>) =
                    batch.into_iter().unzip();
                let mut compared = Compared::of(&records);
                let result = provider
                    .read_each(type_name, &requests, &mut |found| compared.take(found))
                    .await;
                (provider_addr, type_name, result.map(|()| compared))
            });
        }
    }
    let mut res = RefreshResult::default();
    while let Some((provider, type_name, result)) = reads.next().await {
        let compared = result.map_err(|error| RefreshError {
            provider: provider.clone(),
            type_name: type_name.to_owned(),
            error,
        })?;
        compared.add_to(&mut res);
    }

    // Interrupted creates: find what they made, to adopt it instead of creating a duplicate;
    // one batched lookup per (provider, type), as reads are.
    let managed = adoption::managed_ids(state);
    let mut pending: BTreeMap<(ProviderAddr, String), Vec<&Intent>> = BTreeMap::new();
    for intent in &state.pending {
        if only.is_some_and(|only| !only(&intent.addr)) {
            continue;
        }
        pending
            .entry((
                intent.provider.clone(),
                intent.addr.resource.type_name.clone(),
            ))
            .or_default()
            .push(intent);
    }
    let mut lookups = JoinSet::new();
    for ((provider_addr, type_name), intents) in pending {
        let Some(provider) = providers.get(&provider_addr).cloned() else {
            continue;
        };
        let intents: Vec<Intent> = intents.into_iter().cloned().collect();
        lookups.spawn(async move {
            let requests: Vec<LookupRequest> =
                intents.iter().map(adoption::lookup_request).collect();
            let result = provider.lookup_many(&type_name, &requests).await;
            (provider_addr, type_name, intents, requests, result)
        });
    }
    while let Some(joined) = lookups.join_next().await {
        let (provider, type_name, intents, requests, result) =
            joined.expect("lookup tasks do not panic");
        let found = result.map_err(|error| RefreshError {
            provider,
            type_name: type_name.clone(),
            error,
        })?;
        let Some(schema) = snapform_core::schema::resource_schema(&type_name) else {
            continue;
        };
        for ((intent, request), candidates) in intents.iter().zip(&requests).zip(found) {
            res.adoptions.insert(
                intent.addr.clone(),
                adoption::decide(schema, request, candidates, &managed),
            );
        }
    }
    Ok(res)
}

/// One read's answers compared with their records as they come.
struct Compared<'s> {
    /// The records not answered yet, by ID.
    unanswered: HashMap<&'s str, &'s ResourceRecord>,
    /// The records answered otherwise than recorded, or that share an ID with an earlier
    /// record (the cloud's one object is the earlier record's), with what the cloud has.
    differing: Vec<(&'s ResourceRecord, Option<ResourceState>)>,
    /// How many were answered as recorded.
    as_recorded: usize,
}

impl<'s> Compared<'s> {
    fn of(records: &[&'s ResourceRecord]) -> Compared<'s> {
        let mut compared = Compared {
            unanswered: HashMap::with_capacity(records.len()),
            differing: Vec::new(),
            as_recorded: 0,
        };
        for &record in records {
            match compared.unanswered.entry(&record.id) {
                Entry::Vacant(unanswered) => {
                    unanswered.insert(record);
                }
                Entry::Occupied(_) => compared.differing.push((record, None)),
            }
        }
        compared
    }

    /// Takes one answer; an answer for no record, or a second one for a record, is dropped.
    fn take(&mut self, found: ResourceState) {
        let Some(record) = self.unanswered.remove(found.id.as_str()) else {
            return;
        };
        if snapform_planner::as_recorded(record, &found) {
            self.as_recorded += 1;
        } else {
            self.differing.push((record, Some(found)));
        }
    }

    /// Adds the comparison to `res`: the records never answered are gone.
    fn add_to(self, res: &mut RefreshResult) {
        res.as_recorded += self.as_recorded;
        let gone = self.unanswered.into_values().map(|record| (record, None));
        for (record, found) in self.differing.into_iter().chain(gone) {
            res.read.insert(record.addr.clone(), found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snapform_core::Value;
    use snapform_provider::Readiness;
    use snapform_state::RecordStatus;

    fn record(name: &str, id: &str) -> ResourceRecord {
        ResourceRecord {
            addr: format!("tencentcloud_cbs_disk_backup.{name}")
                .parse()
                .expect("address"),
            provider: ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            id: id.to_owned(),
            attributes: [("disk_id".to_owned(), Value::String("disk-1".to_owned()))].into(),
            dependencies: Vec::new(),
            status: RecordStatus::Ready,
            sensitive_attributes: Default::default(),
        }
    }

    fn answer(id: &str, disk_id: &str) -> ResourceState {
        ResourceState {
            id: id.to_owned(),
            attributes: [("disk_id".to_owned(), Value::String(disk_id.to_owned()))].into(),
            readiness: Readiness::Ready,
        }
    }

    #[test]
    fn answers_are_compared_with_their_records_as_they_come() {
        let records = [
            record("same", "dbp-same"),
            record("drifted", "dbp-drifted"),
            record("gone", "dbp-gone"),
            record("twin", "dbp-same"),
        ];
        let records: Vec<&ResourceRecord> = records.iter().collect();
        let mut compared = Compared::of(&records);
        compared.take(answer("dbp-drifted", "disk-2"));
        compared.take(answer("dbp-same", "disk-1"));
        // Asked for by nobody, or a second answer for an ID: dropped.
        compared.take(answer("dbp-stranger", "disk-1"));
        compared.take(answer("dbp-same", "disk-9"));
        let mut res = RefreshResult::default();
        compared.add_to(&mut res);

        assert_eq!(res.as_recorded, 1, "only `same` is as recorded");
        let read: BTreeMap<String, Option<String>> = res
            .read
            .iter()
            .map(|(addr, found)| (addr.to_string(), found.as_ref().map(|f| f.id.clone())))
            .collect();
        let expected: BTreeMap<String, Option<String>> = [
            ("drifted", Some("dbp-drifted")),
            ("gone", None),
            // The cloud's one object with this ID is the first record's.
            ("twin", None),
        ]
        .into_iter()
        .map(|(name, id)| {
            (
                format!("tencentcloud_cbs_disk_backup.{name}"),
                id.map(str::to_owned),
            )
        })
        .collect();
        assert_eq!(read, expected);
    }
}
