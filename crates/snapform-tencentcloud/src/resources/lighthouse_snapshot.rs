//! `tencentcloud_lighthouse_snapshot`: Lighthouse instance snapshots (`lhsnap-…`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};
use snapform_core::Value;
use snapform_provider::{
    Attributes, CreateError, Error, PlannedChanges, PreflightProblem, ReadRequest, Readiness,
    ResourceState, create_outcome, delete_in_batches, put_string, string_arg,
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

async fn create(client: &Client, arguments: &Attributes) -> Result<String, CreateError> {
    let mut params =
        json!({ "InstanceId": string_arg(arguments, "instance_id").unwrap_or_default() });
    if let Some(name) = string_arg(arguments, "snapshot_name") {
        params["SnapshotName"] = Json::from(name);
    }
    create_outcome(
        CREATE,
        client
            .call(Service::Lighthouse, CREATE, &params, false)
            .await,
        |response| json::string(response, "SnapshotId"),
    )
}

async fn read_many(client: &Client, requests: &[ReadRequest]) -> Result<Vec<ResourceState>, Error> {
    let instances: BTreeMap<&str, Option<&Value>> = requests
        .iter()
        .map(|request| (request.id.as_str(), request.recorded.get("instance_id")))
        .collect();
    let mut states = Vec::with_capacity(requests.len());
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
        states.extend(items.iter().filter_map(|item| {
            let id = json::string(item, "SnapshotId")?;
            to_state(item, instances.get(id.as_str()).copied().flatten())
        }));
    }
    Ok(states)
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

/// Snapshots of the create's instance with the create's name.
async fn lookup(client: &Client, arguments: &Attributes) -> Result<Vec<ResourceState>, Error> {
    let Some(instance_id) = string_arg(arguments, "instance_id") else {
        return Ok(Vec::new());
    };
    let name = string_arg(arguments, "snapshot_name").unwrap_or_default();
    let params = json!({ "Filters": [{ "Name": "instance-id", "Values": [instance_id] }] });
    let items = describe_all(
        client,
        Service::Lighthouse,
        DESCRIBE,
        params,
        "SnapshotSet",
        REQUIRED,
    )
    .await?;
    let instance = Value::String(instance_id.to_owned());
    Ok(items
        .iter()
        .filter(|item| json::string(item, "SnapshotName").unwrap_or_default() == name)
        .filter_map(|item| to_state(item, Some(&instance)))
        .collect())
}

/// Every instance must exist.
async fn preflight(
    client: &Client,
    planned: &PlannedChanges,
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
