//! Deciding what an interrupted create made, from the candidates a provider's lookup found:
//! exactly one is adopted, none means the create never happened, and more than one stops that
//! resource with the candidates listed, since adopting the wrong one or creating another would
//! leave an orphan or a duplicate.
//!
//! Providers find candidates by tag, parent and name; this narrows them further, the same way
//! for every type: an object snapform already manages is never a candidate, an object the cloud
//! says it created before the intent was recorded is not one either, and neither is one whose
//! reported arguments differ from what the create sent.

use std::collections::BTreeSet;

use snapform_core::{ResourceSchema, Value};
use snapform_provider::{LookupRequest, ResourceState};
use snapform_state::{Intent, State};

use crate::values::normalize;

/// How far before its intent a cloud may date the object the intent made. The clouds refuse
/// signatures from clocks more than 5 (Tencent) or 15 (Alibaba) minutes off theirs, so a
/// successful create is never dated earlier than this before its intent.
pub const CLOCK_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_mins(15);

/// What an interrupted create made.
#[derive(Clone, Debug, PartialEq)]
pub enum Adoption {
    /// Exactly this object: adopt it.
    Found(ResourceState),
    /// Nothing: the create never happened, and is planned again.
    Nothing,
    /// Several objects fit: adopt none and create nothing until the user says which.
    Ambiguous(Vec<ResourceState>),
}

/// The lookup for `intent`.
pub fn lookup_request(intent: &Intent) -> LookupRequest {
    LookupRequest {
        arguments: intent.arguments.clone(),
        intent_id: intent.id.clone(),
        not_before: intent
            .started_at
            .parse::<jiff::Timestamp>()
            .ok()
            .and_then(|started| started.checked_sub(CLOCK_SKEW).ok()),
    }
}

/// The IDs snapform already manages in `state`, which no lookup may adopt again.
pub fn managed_ids(state: &State) -> BTreeSet<String> {
    state
        .resources
        .iter()
        .chain(&state.deposed)
        .map(|record| record.id.clone())
        .collect()
}

/// Narrows `candidates` for `request` and decides.
pub fn decide(
    schema: &ResourceSchema,
    request: &LookupRequest,
    candidates: Vec<ResourceState>,
    managed: &BTreeSet<String>,
) -> Adoption {
    let mut fitting: Vec<ResourceState> = candidates
        .into_iter()
        .filter(|candidate| !managed.contains(&candidate.id))
        .filter(|candidate| !created_before(schema, candidate, request.not_before))
        .filter(|candidate| agrees(schema, candidate, request))
        .collect();
    fitting.sort_by(|a, b| a.id.cmp(&b.id));
    fitting.dedup_by(|a, b| a.id == b.id);
    match fitting.len() {
        0 => Adoption::Nothing,
        1 => Adoption::Found(fitting.remove(0)),
        _ => Adoption::Ambiguous(fitting),
    }
}

/// Whether the cloud dates `candidate` before `not_before`. An undated candidate, or one whose
/// date cannot be read, is kept.
fn created_before(
    schema: &ResourceSchema,
    candidate: &ResourceState,
    not_before: Option<jiff::Timestamp>,
) -> bool {
    let Some(not_before) = not_before else {
        return false;
    };
    candidate
        .attributes
        .get(schema.created_attribute)
        .and_then(Value::as_str)
        .and_then(snapform_core::time::parse_cloud_time)
        .is_some_and(|created| created < not_before)
}

/// Whether every argument the cloud reports for `candidate` is what the create sent.
fn agrees(schema: &ResourceSchema, candidate: &ResourceState, request: &LookupRequest) -> bool {
    request.arguments.iter().all(|(name, sent)| {
        if schema.argument(name).is_none() || !sent.is_known() {
            return true;
        }
        match candidate.attributes.get(name) {
            None | Some(Value::Null) => true,
            Some(reported) => normalize(schema, name, reported) == normalize(schema, name, sent),
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use snapform_core::schema::tencentcloud::CBS_DISK_BACKUP;
    use snapform_provider::Readiness;

    use super::*;

    fn backup(id: &str, name: &str, created: &str) -> ResourceState {
        let attributes = BTreeMap::from([
            ("disk_id".to_owned(), Value::string("disk-qs100001")),
            ("disk_backup_name".to_owned(), Value::string(name)),
            ("create_time".to_owned(), Value::string(created)),
        ]);
        ResourceState {
            id: id.to_owned(),
            attributes,
            readiness: Readiness::Ready,
        }
    }

    fn request(name: Option<&str>) -> LookupRequest {
        let mut arguments =
            BTreeMap::from([("disk_id".to_owned(), Value::string("disk-qs100001"))]);
        if let Some(name) = name {
            arguments.insert("disk_backup_name".to_owned(), Value::string(name));
        }
        LookupRequest {
            arguments,
            intent_id: "intent-1".to_owned(),
            not_before: Some("2026-12-05T02:00:00Z".parse().expect("a time")),
        }
    }

    #[test]
    fn one_fitting_candidate_is_adopted_and_older_or_managed_ones_are_not_candidates() {
        let managed = BTreeSet::from(["dbp-managed1".to_owned()]);
        let candidates = vec![
            backup("dbp-managed1", "nightly", "2026-12-05 02:10:00"),
            backup("dbp-lastweek", "nightly", "2026-11-28 02:00:00"),
            backup("dbp-tonight1", "nightly", "2026-12-05 02:01:00"),
        ];
        let decided = decide(
            &CBS_DISK_BACKUP,
            &request(Some("nightly")),
            candidates,
            &managed,
        );
        assert!(matches!(decided, Adoption::Found(found) if found.id == "dbp-tonight1"));
    }

    #[test]
    fn nothing_fitting_means_the_create_never_happened() {
        let candidates = vec![backup("dbp-other001", "weekly", "2026-12-05 02:01:00")];
        let decided = decide(
            &CBS_DISK_BACKUP,
            &request(Some("nightly")),
            candidates,
            &BTreeSet::new(),
        );
        assert_eq!(decided, Adoption::Nothing);
    }

    #[test]
    fn two_fitting_candidates_are_ambiguous_and_listed() {
        let candidates = vec![
            backup("dbp-bbbbbbbb", "", "2026-12-05 02:01:00"),
            backup("dbp-aaaaaaaa", "", "2026-12-05 02:02:00"),
            backup("dbp-aaaaaaaa", "", "2026-12-05 02:02:00"),
        ];
        let decided = decide(
            &CBS_DISK_BACKUP,
            &request(None),
            candidates,
            &BTreeSet::new(),
        );
        let Adoption::Ambiguous(listed) = decided else {
            panic!("ambiguous: {decided:?}");
        };
        let ids: Vec<&str> = listed.iter().map(|state| state.id.as_str()).collect();
        assert_eq!(ids, ["dbp-aaaaaaaa", "dbp-bbbbbbbb"]);
    }

    #[test]
    fn the_lookup_reaches_back_by_the_clock_skew_the_clouds_allow() {
        let intent = Intent {
            id: "intent-1".to_owned(),
            addr: "tencentcloud_cbs_disk_backup.a"
                .parse()
                .expect("an address"),
            provider: snapform_core::ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            operation: snapform_state::Operation::Create,
            arguments: BTreeMap::new(),
            started_at: "2026-12-05T02:00:00Z".to_owned(),
            sensitive: BTreeSet::new(),
        };
        let request = lookup_request(&intent);
        assert_eq!(
            request.not_before,
            Some("2026-12-05T01:45:00Z".parse().expect("a time"))
        );
        assert_eq!(request.intent_id, "intent-1");
    }
}
