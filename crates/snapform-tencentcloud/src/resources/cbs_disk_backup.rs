//! `tencentcloud_cbs_disk_backup`: CBS backup points (`dbp-…`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};
use snapform_provider::{
    Attributes, CreateError, Error, PreflightProblem, ReadRequest, Readiness, ResourceState,
    create_outcome, delete_in_batches, put_string, string_arg,
};

use super::{MAX_DESCRIBE, describe_all, put_number};
use crate::client::{Client, Service};
use snapform_provider::json;

snapform_provider::resource_type!(
    CbsDiskBackup,
    Client,
    &snapform_core::schema::tencentcloud::CBS_DISK_BACKUP
);

const CREATE: &str = "CreateDiskBackup";
const DESCRIBE: &str = "DescribeDiskBackups";
const DELETE: &str = "DeleteDiskBackups";
/// What every `DiskBackupSet` item carries.
const REQUIRED: &[&str] = &["DiskBackupId", "DiskId", "DiskBackupState"];

/// The resource state of one `DiskBackupSet` item.
fn to_state(item: &Json) -> Option<ResourceState> {
    let id = json::string(item, "DiskBackupId")?;
    let mut attributes = BTreeMap::new();
    put_string(&mut attributes, "disk_id", item, "DiskId");
    put_string(&mut attributes, "disk_backup_name", item, "DiskBackupName");
    put_string(
        &mut attributes,
        "disk_backup_state",
        item,
        "DiskBackupState",
    );
    put_number(&mut attributes, "percent", item, "Percent");
    put_number(&mut attributes, "disk_size", item, "DiskSize");
    put_string(&mut attributes, "create_time", item, "CreateTime");
    let state = json::string(item, "DiskBackupState").unwrap_or_default();
    let readiness = match state.as_str() {
        "NORMAL" | "ROLLBACKING" => Readiness::Ready,
        "CREATING" => Readiness::Creating {
            percent: json::percent(item, "Percent"),
        },
        "DELETING" => Readiness::Deleting,
        other => Readiness::Failed {
            reason: format!("disk backup state {other}"),
        },
    };
    Some(ResourceState {
        id,
        attributes,
        readiness,
    })
}

async fn create(client: &Client, arguments: &Attributes) -> Result<String, CreateError> {
    let mut params = json!({ "DiskId": string_arg(arguments, "disk_id").unwrap_or_default() });
    if let Some(name) = string_arg(arguments, "disk_backup_name") {
        params["DiskBackupName"] = Json::from(name);
    }
    create_outcome(
        CREATE,
        client.call(Service::Cbs, CREATE, &params, false).await,
        |response| json::string(response, "DiskBackupId"),
    )
}

async fn read_many(client: &Client, requests: &[ReadRequest]) -> Result<Vec<ResourceState>, Error> {
    let mut states = Vec::with_capacity(requests.len());
    for chunk in requests.chunks(MAX_DESCRIBE) {
        let ids: Vec<&str> = chunk.iter().map(|request| request.id.as_str()).collect();
        let items = describe_all(
            client,
            Service::Cbs,
            DESCRIBE,
            json!({ "DiskBackupIds": ids }),
            "DiskBackupSet",
            REQUIRED,
        )
        .await?;
        states.extend(items.iter().filter_map(to_state));
    }
    Ok(states)
}

async fn delete_many(client: &Client, ids: &[String]) -> Vec<(String, Result<(), Error>)> {
    delete_in_batches(ids, MAX_DESCRIBE, |batch| async move {
        client
            .call(
                Service::Cbs,
                DELETE,
                &json!({ "DiskBackupIds": batch }),
                true,
            )
            .await
            .map(|_| ())
    })
    .await
}

/// Backup points of the create's disk with the create's name.
async fn lookup(client: &Client, arguments: &Attributes) -> Result<Vec<ResourceState>, Error> {
    let Some(disk_id) = string_arg(arguments, "disk_id") else {
        return Ok(Vec::new());
    };
    let name = string_arg(arguments, "disk_backup_name").unwrap_or_default();
    let params = json!({ "Filters": [{ "Name": "disk-id", "Values": [disk_id] }] });
    let items = describe_all(
        client,
        Service::Cbs,
        DESCRIBE,
        params,
        "DiskBackupSet",
        REQUIRED,
    )
    .await?;
    Ok(items
        .iter()
        .filter(|item| json::string(item, "DiskBackupName").unwrap_or_default() == name)
        .filter_map(to_state)
        .collect())
}

/// Every disk must exist, and keep enough backup quota for all the planned backup points.
async fn preflight(
    client: &Client,
    creates: &[Attributes],
) -> Result<Vec<Vec<PreflightProblem>>, Error> {
    let disk_ids: BTreeSet<&str> = creates
        .iter()
        .filter_map(|args| string_arg(args, "disk_id"))
        .collect();
    let disks = super::cbs_snapshot_group::describe_disks(client, &disk_ids).await?;
    let mut planned: BTreeMap<&str, usize> = BTreeMap::new();
    let mut problems = Vec::with_capacity(creates.len());
    for args in creates {
        let mut found = Vec::new();
        if let Some(disk_id) = string_arg(args, "disk_id") {
            match disks.get(disk_id) {
                None => found.push(PreflightProblem {
                    code: "parent-not-found",
                    message: format!("disk {disk_id} does not exist in region {}", client.region),
                    argument: "disk_id",
                }),
                Some(disk) => {
                    let n_planned = planned.entry(disk_id).or_default();
                    *n_planned += 1;
                    let quota = json::number(disk, "DiskBackupQuota").unwrap_or(0.0) as usize;
                    let used = json::number(disk, "DiskBackupCount").unwrap_or(0.0) as usize;
                    if used + *n_planned > quota {
                        found.push(PreflightProblem {
                            code: "no-backup-quota",
                            message: format!(
                                "disk {disk_id} has no backup point quota left: {used} of {quota} used, and this plan adds {n_planned}"
                            ),
                            argument: "disk_id",
                        });
                    }
                }
            }
        }
        problems.push(found);
    }
    Ok(problems)
}
