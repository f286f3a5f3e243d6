//! `tencentcloud_lighthouse_snapshot`: Lighthouse instance snapshots (`lhsnap-…`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value as Json, json};
use snapform_core::Value;
use snapform_provider::{
    Attributes, CreateError, DiscoverFilter, Discovered, Error, INTENT_TAG, LeftOut, LookupRequest,
    PlannedChanges, PreflightProblem, ReadRequest, Readiness, ResourceState, create_outcome,
    delete_in_batches, put_string, string_arg,
};

use super::{MAX_DESCRIBE, describe_all, put_number};
use crate::client::{Client, Service};
use snapform_provider::json;

snapform_provider::resource_type!(
    LighthouseSnapshot,
    Client,
    &snapform_core::schema::tencentcloud::LIGHTHOUSE_SNAPSHOT,
    update
);

const CREATE: &str = "CreateInstanceSnapshot";
const DESCRIBE: &str = "DescribeSnapshots";
const MODIFY: &str = "ModifySnapshotAttribute";
const DELETE: &str = "DeleteSnapshots";
/// What every `SnapshotSet` item carries.
const REQUIRED: &[&str] = &["SnapshotId", "SnapshotState"];
/// What a lookup by instance matches on besides, which every item carries: its time. An item
/// without it could be the snapshot looked for, and dropping it would create that snapshot
/// again. The name is optional at create, so an item without one stays a candidate and the
/// planner's narrowing decides.
const LOOKUP_REQUIRED: &[&str] = &["SnapshotId", "SnapshotState", "CreatedTime"];
/// A lookup by the intent tag also needs the tags, to tell which intent an item is of.
const TAG_LOOKUP_REQUIRED: &[&str] = &["SnapshotId", "SnapshotState", "CreatedTime", "Tags"];
/// DeleteSnapshots takes at most 10 IDs, though DescribeSnapshots takes 100.
const MAX_DELETE: usize = 10;

/// The resource state of one `SnapshotSet` item. Snapshots do not name their instance, so
/// `instance_id` comes from `recorded` (or from the lookup's filter).
fn to_state(item: &Json, instance_id: Option<&Value>) -> Option<ResourceState> {
    let id = json::string(item, "SnapshotId")?;
    let mut attributes = BTreeMap::new();
    if let Some(instance_id) = instance_id {
        attributes.insert("instance_id".to_owned(), instance_id.clone());
    }
    put_string(&mut attributes, "snapshot_name", item, "SnapshotName");
    put_string(&mut attributes, "snapshot_state", item, "SnapshotState");
    put_number(&mut attributes, "percent", item, "Percent");
    put_string(&mut attributes, "created_time", item, "CreatedTime");
    let failed = json::string(item, "LatestOperation").as_deref() == Some(CREATE)
        && json::string(item, "LatestOperationState").as_deref() == Some("FAILED");
    let readiness = match json::string(item, "SnapshotState")
        .unwrap_or_default()
        .as_str()
    {
        _ if failed => Readiness::Failed {
            reason: "the snapshot's creation failed (LatestOperationState FAILED)".to_owned(),
        },
        "NORMAL" | "ROLLBACKING" => Readiness::Ready,
        "CREATING" => Readiness::Creating {
            percent: json::percent(item, "Percent"),
        },
        other => Readiness::Failed {
            reason: format!("snapshot state {other}"),
        },
    };
    Some(ResourceState {
        id,
        attributes,
        readiness,
    })
}

/// The snapshot is tagged with its intent, so a lookup after a lost answer finds exactly it.
async fn create(
    client: &Client,
    arguments: &Attributes,
    intent_id: &str,
) -> Result<String, CreateError> {
    let mut params =
        json!({ "InstanceId": string_arg(arguments, "instance_id").unwrap_or_default() });
    if let Some(name) = string_arg(arguments, "snapshot_name") {
        params["SnapshotName"] = Json::from(name);
    }
    if !intent_id.is_empty() {
        params["Tags"] = json!([{ "Key": INTENT_TAG, "Value": intent_id }]);
    }
    create_outcome(
        CREATE,
        client
            .call(Service::Lighthouse, CREATE, &params, false)
            .await,
        |response| json::string(response, "SnapshotId"),
    )
}

async fn read_each(
    client: &Client,
    requests: &[ReadRequest<'_>],
    found: &mut (dyn FnMut(ResourceState) + Send),
) -> Result<(), Error> {
    // Hashed: a fleet's read looks up every snapshot it reads.
    let instances: HashMap<&str, Option<&Value>> = requests
        .iter()
        .map(|request| (request.id.as_str(), request.recorded.get("instance_id")))
        .collect();
    for chunk in requests.chunks(MAX_DESCRIBE) {
        let ids: Vec<&str> = chunk.iter().map(|request| request.id.as_str()).collect();
        let items = describe_all(
            client,
            Service::Lighthouse,
            DESCRIBE,
            json!({ "SnapshotIds": ids }),
            "SnapshotSet",
            REQUIRED,
        )
        .await?;
        items
            .iter()
            .filter_map(|item| {
                let id = json::string(item, "SnapshotId")?;
                to_state(item, instances.get(id.as_str()).copied().flatten())
            })
            .for_each(&mut *found);
    }
    Ok(())
}

/// Renames in place; the name is the only updatable argument.
async fn update(client: &Client, id: &str, arguments: &Attributes) -> Result<(), Error> {
    let name = string_arg(arguments, "snapshot_name").unwrap_or_default();
    client
        .call(
            Service::Lighthouse,
            MODIFY,
            &json!({ "SnapshotId": id, "SnapshotName": name }),
            true,
        )
        .await
        .map(|_| ())
}

async fn delete_many(client: &Client, ids: &[String]) -> Vec<(String, Result<(), Error>)> {
    delete_in_batches(ids, MAX_DELETE, |batch| async move {
        client
            .call(
                Service::Lighthouse,
                DELETE,
                &json!({ "SnapshotIds": batch }),
                true,
            )
            .await
            .map(|_| ())
    })
    .await
}

/// Filters take at most five values each.
const MAX_FILTER_VALUES: usize = 5;

/// Snapshots made by the requests' intents, by the intent tag, five intents per call. Intents
/// recorded before snapform tagged creates are looked up by instance and name instead.
async fn lookup_many(
    client: &Client,
    requests: &[LookupRequest],
) -> Result<Vec<Vec<ResourceState>>, Error> {
    let tag_filter = format!("tag:{INTENT_TAG}");
    let tagged: Vec<&str> = requests
        .iter()
        .map(|request| request.intent_id.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    let mut by_intent: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for chunk in tagged.chunks(MAX_FILTER_VALUES) {
        let params = json!({ "Filters": [{ "Name": tag_filter, "Values": chunk }] });
        let items = describe_all(
            client,
            Service::Lighthouse,
            DESCRIBE,
            params,
            "SnapshotSet",
            TAG_LOOKUP_REQUIRED,
        )
        .await?;
        for item in items {
            // The listing was filtered by the intent tag: an item without one is an answer
            // that cannot be trusted, not a snapshot of someone else's.
            let intent = intent_tag(&item).ok_or_else(|| {
                Error::invalid_response(
                    DESCRIBE,
                    format!("a snapshot listed by the tag {INTENT_TAG} does not carry it"),
                )
            })?;
            by_intent.entry(intent).or_default().push(item);
        }
    }
    let untagged: BTreeSet<&str> = requests
        .iter()
        .filter(|request| request.intent_id.is_empty())
        .filter_map(|request| string_arg(&request.arguments, "instance_id"))
        .collect();
    let mut by_instance: BTreeMap<String, Vec<Json>> = BTreeMap::new();
    for instance_id in untagged {
        let params = json!({ "Filters": [{ "Name": "instance-id", "Values": [instance_id] }] });
        let items = describe_all(
            client,
            Service::Lighthouse,
            DESCRIBE,
            params,
            "SnapshotSet",
            LOOKUP_REQUIRED,
        )
        .await?;
        by_instance.insert(instance_id.to_owned(), items);
    }
    Ok(requests
        .iter()
        .map(|request| {
            let instance = request.arguments.get("instance_id");
            if !request.intent_id.is_empty() {
                return by_intent
                    .get(&request.intent_id)
                    .into_iter()
                    .flatten()
                    .filter_map(|item| to_state(item, instance))
                    .collect();
            }
            let name = string_arg(&request.arguments, "snapshot_name").unwrap_or_default();
            string_arg(&request.arguments, "instance_id")
                .and_then(|instance_id| by_instance.get(instance_id))
                .into_iter()
                .flatten()
                .filter(|item| json::string(item, "SnapshotName").is_none_or(|found| found == name))
                .filter_map(|item| to_state(item, instance))
                .collect()
        })
        .collect())
}

/// The intent a snapshot's tags name, if any.
fn intent_tag(item: &Json) -> Option<String> {
    item.get("Tags")?
        .as_array()?
        .iter()
        .find(|tag| tag.get("Key").and_then(Json::as_str) == Some(INTENT_TAG))
        .and_then(|tag| tag.get("Value")?.as_str().map(str::to_owned))
}

/// Every snapshot of the region, 100 a page (by exact name when the filter names one). A
/// snapshot does not name its instance, only its system disk, so the region's instances are
/// listed too (100 a page) and each snapshot gets the instance whose system disk it is; a
/// snapshot whose instance is gone is left out, saying so. With instances to filter by, each
/// instance's snapshots are listed with an `instance-id` filter instead, and carry it.
async fn discover(client: &Client, filter: &DiscoverFilter) -> Result<Discovered, Error> {
    let name_filter = filter
        .exact_name()
        .map(|name| json!({ "Name": "snapshot-name", "Values": [name] }));
    let mut discovered = Discovered::default();
    let instance_ids = filter.values("instance_id");
    for instance_id in instance_ids {
        let mut filters = vec![json!({ "Name": "instance-id", "Values": [instance_id] })];
        filters.extend(name_filter.clone());
        let items = describe_all(
            client,
            Service::Lighthouse,
            DESCRIBE,
            json!({ "Filters": filters }),
            "SnapshotSet",
            REQUIRED,
        )
        .await?;
        let instance = Value::String(instance_id.clone());
        discovered.found.extend(
            items
                .iter()
                .filter_map(|item| to_state(item, Some(&instance))),
        );
    }
    if !instance_ids.is_empty() {
        return Ok(discovered);
    }
    let instances = describe_all(
        client,
        Service::Lighthouse,
        "DescribeInstances",
        json!({}),
        "InstanceSet",
        &["InstanceId"],
    )
    .await?;
    let instance_of_disk: BTreeMap<String, String> = instances
        .iter()
        .filter_map(|instance| {
            let disk = json::non_empty(instance.get("SystemDisk")?, "DiskId")?;
            Some((disk, json::string(instance, "InstanceId")?))
        })
        .collect();
    let params = match name_filter {
        Some(name_filter) => json!({ "Filters": [name_filter] }),
        None => json!({}),
    };
    let items = describe_all(
        client,
        Service::Lighthouse,
        DESCRIBE,
        params,
        "SnapshotSet",
        REQUIRED,
    )
    .await?;
    for item in &items {
        let disk = json::string(item, "DiskId").unwrap_or_default();
        match instance_of_disk.get(&disk) {
            Some(instance) => discovered
                .found
                .extend(to_state(item, Some(&Value::String(instance.clone())))),
            None => discovered.left_out.push(LeftOut {
                id: json::string(item, "SnapshotId").unwrap_or_default(),
                name: json::string(item, "SnapshotName").unwrap_or_default(),
                reason: format!(
                    "its system disk {disk} belongs to no instance of region {}, so its instance_id is unknown",
                    client.region
                ),
            }),
        }
    }
    Ok(discovered)
}

/// Every instance must exist.
async fn preflight(
    client: &Client,
    planned: &PlannedChanges<'_>,
) -> Result<Vec<Vec<PreflightProblem>>, Error> {
    let creates = &planned.creates;
    let wanted: BTreeSet<&str> = creates
        .iter()
        .filter_map(|args| string_arg(args, "instance_id"))
        .collect();
    let ids: Vec<&str> = wanted.into_iter().collect();
    let mut found_ids = BTreeSet::new();
    for chunk in ids.chunks(MAX_DESCRIBE) {
        let items = describe_all(
            client,
            Service::Lighthouse,
            "DescribeInstances",
            json!({ "InstanceIds": chunk }),
            "InstanceSet",
            &["InstanceId"],
        )
        .await?;
        found_ids.extend(
            items
                .iter()
                .filter_map(|item| json::string(item, "InstanceId")),
        );
    }
    Ok(creates
        .iter()
        .map(|args| match string_arg(args, "instance_id") {
            Some(instance_id) if !found_ids.contains(instance_id) => vec![PreflightProblem {
                code: "parent-not-found",
                message: format!(
                    "Lighthouse instance {instance_id} does not exist in region {}",
                    client.region
                ),
                argument: "instance_id",
            }],
            _ => Vec::new(),
        })
        .collect())
}
