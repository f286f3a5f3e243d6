//! `tencentcloud_cbs_disk_backup`: CBS backup points (`dbp-…`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};
use snapform_provider::{
    Attributes, CreateError, DiscoverFilter, Discovered, Error, LookupRequest, PlannedChanges,
    PreflightProblem, ReadRequest, Readiness, ResourceState, create_outcome, delete_in_batches,
    put_string, string_arg,
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
/// What a lookup needs besides: the time, which every item carries. An item without it could
/// be the backup point looked for, and dropping it would create that backup point again. The
/// name is optional at create, so an item without one stays a candidate and the planner's
/// narrowing decides.
const LOOKUP_REQUIRED: &[&str] = &["DiskBackupId", "DiskId", "DiskBackupState", "CreateTime"];

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

/// `CreateDiskBackup` takes no tags, so `_intent_id` is not sent.
async fn create(
    client: &Client,
    arguments: &Attributes,
    _intent_id: &str,
) -> Result<String, CreateError> {
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

async fn read_each(
    client: &Client,
    requests: &[ReadRequest<'_>],
    found: &mut (dyn FnMut(ResourceState) + Send),
) -> Result<(), Error> {
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
        items.iter().filter_map(to_state).for_each(&mut *found);
    }
    Ok(())
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

/// Backup points of the requests' disks: one `disk-id` filter for up to 100 disks per call,
/// so a thousand interrupted creates cost ten calls. A candidate has the request's disk, and
/// its name when the request names it.
async fn lookup_many(
    client: &Client,
    requests: &[LookupRequest],
) -> Result<Vec<Vec<ResourceState>>, Error> {
    let disk_ids: BTreeSet<&str> = requests
        .iter()
        .filter_map(|request| string_arg(&request.arguments, "disk_id"))
        .collect();
    let disk_ids: Vec<&str> = disk_ids.into_iter().collect();
    let mut found: Vec<ResourceState> = Vec::new();
    for chunk in disk_ids.chunks(MAX_DESCRIBE) {
        let params = json!({ "Filters": [{ "Name": "disk-id", "Values": chunk }] });
        let items = describe_all(
            client,
            Service::Cbs,
            DESCRIBE,
            params,
            "DiskBackupSet",
            LOOKUP_REQUIRED,
        )
        .await?;
        found.extend(items.iter().filter_map(to_state));
    }
    Ok(requests
        .iter()
        .map(|request| {
            let disk_id = string_arg(&request.arguments, "disk_id");
            let name = string_arg(&request.arguments, "disk_backup_name").unwrap_or_default();
            found
                .iter()
                .filter(|state| string_arg(&state.attributes, "disk_id") == disk_id)
                .filter(|state| {
                    name.is_empty()
                        || string_arg(&state.attributes, "disk_backup_name")
                            .is_none_or(|found| found == name)
                })
                .cloned()
                .collect()
        })
        .collect())
}

/// Every backup point of the region, 100 a page; with disks to filter by, those of up to 100
/// disks per `disk-id` filter. The API has no name filter: names are matched by the caller.
async fn discover(client: &Client, filter: &DiscoverFilter) -> Result<Discovered, Error> {
    let disk_ids = filter.values("disk_id");
    let mut items = Vec::new();
    if disk_ids.is_empty() {
        items = describe_all(
            client,
            Service::Cbs,
            DESCRIBE,
            json!({}),
            "DiskBackupSet",
            REQUIRED,
        )
        .await?;
    }
    for chunk in disk_ids.chunks(MAX_DESCRIBE) {
        let params = json!({ "Filters": [{ "Name": "disk-id", "Values": chunk }] });
        items.extend(
            describe_all(
                client,
                Service::Cbs,
                DESCRIBE,
                params,
                "DiskBackupSet",
                REQUIRED,
            )
            .await?,
        );
    }
    Ok(Discovered {
        found: items.iter().filter_map(to_state).collect(),
        left_out: Vec::new(),
    })
}

/// Every disk must exist and have room for the planned backup points. Room counts the backup
/// points the plan deletes first; expired generations are deleted only once their successors
/// are ready, so the disk must hold both for a while, and the message says so.
async fn preflight(
    client: &Client,
    planned: &PlannedChanges<'_>,
) -> Result<Vec<Vec<PreflightProblem>>, Error> {
    let creates = &planned.creates;
    let disk_ids: BTreeSet<&str> = creates
        .iter()
        .filter_map(|args| string_arg(args, "disk_id"))
        .collect();
    let disks = super::cbs_snapshot_group::describe_disks(client, &disk_ids).await?;
    let per_disk = |deletes: &[&Attributes]| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for disk_id in deletes
            .iter()
            .filter_map(|args| string_arg(args, "disk_id"))
        {
            *counts.entry(disk_id.to_owned()).or_default() += 1;
        }
        counts
    };
    let deleted_first = per_disk(&planned.deleted_first);
    let deleted_later = per_disk(&planned.deleted_later);
    let mut planned_per_disk: BTreeMap<&str, usize> = BTreeMap::new();
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
                    let added = planned_per_disk.entry(disk_id).or_default();
                    *added += 1;
                    let (quota, used) = (disk.backup_quota, disk.backup_count);
                    let first = deleted_first.get(disk_id).copied().unwrap_or(0);
                    let later = deleted_later.get(disk_id).copied().unwrap_or(0);
                    if (used + *added).saturating_sub(first) > quota {
                        found.push(PreflightProblem {
                            code: "no-backup-quota",
                            message: over_quota(disk_id, used, quota, *added, first, later),
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

/// Why a disk has no room for the `added`-th planned backup point.
fn over_quota(
    disk_id: &str,
    used: usize,
    quota: usize,
    added: usize,
    deleted_first: usize,
    deleted_later: usize,
) -> String {
    let mut message = format!(
        "disk {disk_id} has no backup point quota left: {used} of {quota} used, and this plan adds {added}"
    );
    if deleted_first > 0 {
        message.push_str(&format!(" after deleting {deleted_first}"));
    }
    if deleted_later > 0 && (used + added).saturating_sub(deleted_first + deleted_later) <= quota {
        message.push_str(&format!(
            "; the {deleted_later} it deletes go only once the new backup points are ready, so the disk holds both for a while: raise the disk's quota (ModifyDiskBackupQuota) or keep one fewer generation"
        ));
    }
    message
}
