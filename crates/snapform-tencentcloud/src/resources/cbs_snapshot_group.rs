//! `tencentcloud_cbs_snapshot_group`: multi-disk snapshot groups (`csnap-…`), which no official
//! Terraform provider manages.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};
use snapform_core::Value;
use snapform_provider::{
    Attributes, CreateError, Error, PlannedChanges, PreflightProblem, ReadRequest, Readiness,
    ResourceState, create_outcome, delete_in_batches, fill_from_record, put_string, string_arg,
    strings_arg,
};

use super::{MAX_DESCRIBE, describe_all, put_number};
use crate::client::{Client, Service};
use snapform_provider::json;

snapform_provider::resource_type!(
    CbsSnapshotGroup,
    Client,
    &snapform_core::schema::tencentcloud::CBS_SNAPSHOT_GROUP
);

const CREATE: &str = "CreateSnapshotGroup";
const DESCRIBE: &str = "DescribeSnapshotGroups";
const DELETE: &str = "DeleteSnapshotGroup";
/// What every `SnapshotGroupSet` item carries.
const REQUIRED: &[&str] = &["SnapshotGroupId", "SnapshotGroupState"];

/// The resource state of one `SnapshotGroupSet` item. The API returns neither the disks nor
/// the tags, so those come from `recorded`.
fn to_state(item: &Json, recorded: Option<&Attributes>) -> Option<ResourceState> {
    let id = json::string(item, "SnapshotGroupId")?;
    let mut attributes = BTreeMap::new();
    for name in ["disk_ids", "tags"] {
        fill_from_record(&mut attributes, name, recorded);
    }
    put_string(
        &mut attributes,
        "snapshot_group_name",
        item,
        "SnapshotGroupName",
    );
    put_string(
        &mut attributes,
        "snapshot_group_state",
        item,
        "SnapshotGroupState",
    );
    put_number(&mut attributes, "percent", item, "Percent");
    put_string(&mut attributes, "create_time", item, "CreateTime");
    attributes.insert(
        "snapshot_ids".to_owned(),
        Value::List(
            json::strings(item, "SnapshotIdSet")
                .into_iter()
                .map(Value::String)
                .collect(),
        ),
    );
    let readiness = match json::string(item, "SnapshotGroupState")
        .unwrap_or_default()
        .as_str()
    {
        "NORMAL" | "ROLLBACKING" => Readiness::Ready,
        "CREATING" => Readiness::Creating {
            percent: json::percent(item, "Percent"),
        },
        other => Readiness::Failed {
            reason: format!("snapshot group state {other}"),
        },
    };
    Some(ResourceState {
        id,
        attributes,
        readiness,
    })
}

async fn create(client: &Client, arguments: &Attributes) -> Result<String, CreateError> {
    let mut params = json!({ "DiskIds": strings_arg(arguments, "disk_ids") });
    if let Some(name) = string_arg(arguments, "snapshot_group_name") {
        params["SnapshotGroupName"] = Json::from(name);
    }
    if let Some(Value::Map(tags)) = arguments.get("tags") {
        let tags: Vec<Json> = tags
            .iter()
            .map(|(key, value)| json!({ "Key": key, "Value": value.as_str().unwrap_or_default() }))
            .collect();
        params["Tags"] = Json::Array(tags);
    }
    create_outcome(
        CREATE,
        client.call(Service::Cbs, CREATE, &params, false).await,
        |response| json::string(response, "SnapshotGroupId"),
    )
}

/// Groups have no ID-list parameter: one `snapshot-group-id` filter holds up to 100 IDs.
async fn read_many(client: &Client, requests: &[ReadRequest]) -> Result<Vec<ResourceState>, Error> {
    let recorded: BTreeMap<&str, &Attributes> = requests
        .iter()
        .map(|request| (request.id.as_str(), &request.recorded))
        .collect();
    let mut states = Vec::with_capacity(requests.len());
    for chunk in requests.chunks(MAX_DESCRIBE) {
        let ids: Vec<&str> = chunk.iter().map(|request| request.id.as_str()).collect();
        let params = json!({ "Filters": [{ "Name": "snapshot-group-id", "Values": ids }] });
        let items = describe_all(
            client,
            Service::Cbs,
            DESCRIBE,
            params,
            "SnapshotGroupSet",
            REQUIRED,
        )
        .await?;
        states.extend(items.iter().filter_map(|item| {
            let id = json::string(item, "SnapshotGroupId")?;
            to_state(item, recorded.get(id.as_str()).copied())
        }));
    }
    Ok(states)
}

async fn delete_many(client: &Client, ids: &[String]) -> Vec<(String, Result<(), Error>)> {
    delete_in_batches(ids, 1, |batch| async move {
        let id = batch.first().cloned().unwrap_or_default();
        client
            .call(
                Service::Cbs,
                DELETE,
                &json!({ "SnapshotGroupId": id }),
                true,
            )
            .await
            .map(|_| ())
    })
    .await
}

/// Groups with the create's name. The API does not say which disks a group holds, so the
/// name is what identifies it; an unnamed group cannot be found again.
async fn lookup(client: &Client, arguments: &Attributes) -> Result<Vec<ResourceState>, Error> {
    let Some(name) = string_arg(arguments, "snapshot_group_name").filter(|name| !name.is_empty())
    else {
        return Ok(Vec::new());
    };
    let params = json!({ "Filters": [{ "Name": "snapshot-group-name", "Values": [name] }] });
    let items = describe_all(
        client,
        Service::Cbs,
        DESCRIBE,
        params,
        "SnapshotGroupSet",
        REQUIRED,
    )
    .await?;
    Ok(items
        .iter()
        .filter_map(|item| to_state(item, Some(arguments)))
        .collect())
}

/// `DescribeDisks` for `disk_ids`, by ID.
pub async fn describe_disks(
    client: &Client,
    disk_ids: &BTreeSet<&str>,
) -> Result<BTreeMap<String, Json>, Error> {
    let ids: Vec<&str> = disk_ids.iter().copied().collect();
    let mut disks = BTreeMap::new();
    for chunk in ids.chunks(MAX_DESCRIBE) {
        let items = describe_all(
            client,
            Service::Cbs,
            "DescribeDisks",
            json!({ "DiskIds": chunk }),
            "DiskSet",
            &["DiskId"],
        )
        .await?;
        for item in items {
            if let Some(id) = json::string(&item, "DiskId") {
                disks.insert(id, item);
            }
        }
    }
    Ok(disks)
}

/// Every disk must exist, and all of a group's disks must be mounted on one instance.
async fn preflight(
    client: &Client,
    planned: &PlannedChanges,
) -> Result<Vec<Vec<PreflightProblem>>, Error> {
    let creates = &planned.creates;
    let all_ids: Vec<Vec<String>> = creates
        .iter()
        .map(|args| strings_arg(args, "disk_ids"))
        .collect();
    let wanted: BTreeSet<&str> = all_ids.iter().flatten().map(String::as_str).collect();
    let disks = describe_disks(client, &wanted).await?;
    let mut problems = Vec::with_capacity(creates.len());
    for disk_ids in &all_ids {
        let mut found = Vec::new();
        let missing: Vec<&str> = disk_ids
            .iter()
            .map(String::as_str)
            .filter(|id| !disks.contains_key(*id))
            .collect();
        if !missing.is_empty() {
            found.push(PreflightProblem {
                code: "parent-not-found",
                message: format!(
                    "disk{} {} do{} not exist in region {}",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", "),
                    if missing.len() == 1 { "es" } else { "" },
                    client.region
                ),
                argument: "disk_ids",
            });
        }
        let mut instances: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for id in disk_ids.iter().filter(|id| disks.contains_key(id.as_str())) {
            let instance = json::string(&disks[id.as_str()], "InstanceId").unwrap_or_default();
            instances.entry(instance).or_default().push(id);
        }
        if instances.len() > 1 || instances.contains_key("") {
            let listed: Vec<String> = instances
                .iter()
                .map(|(instance, ids)| {
                    let on = if instance.is_empty() {
                        "not attached".to_owned()
                    } else {
                        format!("on {instance}")
                    };
                    format!("{} {on}", ids.join(", "))
                })
                .collect();
            found.push(PreflightProblem {
                code: "disks-not-on-one-instance",
                message: format!(
                    "a snapshot group's disks must all be mounted on one instance: {}",
                    listed.join("; ")
                ),
                argument: "disk_ids",
            });
        }
        problems.push(found);
    }
    Ok(problems)
}
