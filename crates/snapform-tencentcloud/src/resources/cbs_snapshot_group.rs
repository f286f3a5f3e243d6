//! `tencentcloud_cbs_snapshot_group`: multi-disk snapshot groups (`csnap-…`), which no official
//! Terraform provider manages.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value as Json, json};
use snapform_core::Value;
use snapform_provider::{
    Attributes, CreateError, DiscoverFilter, Discovered, Error, INTENT_TAG, LeftOut, LookupRequest,
    PlannedChanges, PreflightProblem, ReadRequest, Readiness, ResourceState, create_outcome,
    delete_in_batches, fill_from_record, put_string, string_arg, strings_arg,
};

use super::{MAX_DESCRIBE, describe_all, describe_until, put_number};
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
/// What a lookup matches on besides, which every item carries: its members and its time. An
/// item without them could be the group looked for, and dropping it would create that group
/// again. The name is optional at create, so a group without one stays a candidate and the
/// planner's narrowing decides.
const LOOKUP_REQUIRED: &[&str] = &[
    "SnapshotGroupId",
    "SnapshotGroupState",
    "SnapshotIdSet",
    "CreateTime",
];

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

/// The group is tagged with its intent beside the configuration's tags. `DescribeSnapshotGroups`
/// does not return tags, so lookups go by what the group is made of instead (see
/// [`lookup_many`]); the tag lets an operator trace a group to the run that made it.
async fn create(
    client: &Client,
    arguments: &Attributes,
    intent_id: &str,
) -> Result<String, CreateError> {
    let mut params = json!({ "DiskIds": strings_arg(arguments, "disk_ids") });
    if let Some(name) = string_arg(arguments, "snapshot_group_name") {
        params["SnapshotGroupName"] = Json::from(name);
    }
    let mut tags: Vec<Json> = match arguments.get("tags") {
        Some(Value::Map(tags)) => tags
            .iter()
            .map(|(key, value)| json!({ "Key": key, "Value": value.as_str().unwrap_or_default() }))
            .collect(),
        _ => Vec::new(),
    };
    if !intent_id.is_empty() {
        tags.push(json!({ "Key": INTENT_TAG, "Value": intent_id }));
    }
    if !tags.is_empty() {
        params["Tags"] = Json::Array(tags);
    }
    create_outcome(
        CREATE,
        client.call(Service::Cbs, CREATE, &params, false).await,
        |response| json::string(response, "SnapshotGroupId"),
    )
}

/// Groups have no ID-list parameter: one `snapshot-group-id` filter holds up to 100 IDs.
async fn read_each(
    client: &Client,
    requests: &[ReadRequest<'_>],
    found: &mut (dyn FnMut(ResourceState) + Send),
) -> Result<(), Error> {
    // Hashed: a fleet's read looks up every group it reads.
    let recorded: HashMap<&str, &Attributes> = requests
        .iter()
        .map(|request| (request.id.as_str(), request.recorded.as_ref()))
        .collect();
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
        items
            .iter()
            .filter_map(|item| {
                let id = json::string(item, "SnapshotGroupId")?;
                to_state(item, recorded.get(id.as_str()).copied())
            })
            .for_each(&mut *found);
    }
    Ok(())
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

/// Groups the requests' creates may have made, found by what they are made of, since the
/// API returns neither a group's disks nor its tags: the CBS snapshots of the requests' disks
/// made since the earliest intent (newest first, one `disk-id` filter for up to 100 disks), the
/// groups holding those snapshots (one `snapshot-id` filter for up to 100), and, for each
/// request, the groups whose members snapshot exactly its disks and, when it has one, carry
/// its name. An unnamed group is found this way too.
async fn lookup_many(
    client: &Client,
    requests: &[LookupRequest],
) -> Result<Vec<Vec<ResourceState>>, Error> {
    let disk_ids: BTreeSet<String> = requests
        .iter()
        .flat_map(|request| strings_arg(&request.arguments, "disk_ids"))
        .collect();
    let disk_ids: Vec<&str> = disk_ids.iter().map(String::as_str).collect();
    let earliest = requests
        .iter()
        .map(|request| request.not_before)
        .min()
        .flatten();
    let before_earliest = |item: &Json| {
        let created = json::string(item, "CreateTime")
            .as_deref()
            .and_then(snapform_core::time::parse_cloud_time);
        matches!((created, earliest), (Some(created), Some(earliest)) if created < earliest)
    };
    // The disk of every member snapshot made since the earliest intent.
    let mut disk_of: BTreeMap<String, String> = BTreeMap::new();
    for chunk in disk_ids.chunks(MAX_DESCRIBE) {
        let params = json!({
            "Filters": [{ "Name": "disk-id", "Values": chunk }],
            "Order": "DESC",
            "OrderField": "CREATE_TIME",
        });
        let items = describe_until(
            client,
            Service::Cbs,
            "DescribeSnapshots",
            params,
            "SnapshotSet",
            SNAPSHOT_FIELDS,
            before_earliest,
        )
        .await?;
        for item in items.iter().filter(|item| !before_earliest(item)) {
            if let (Some(snapshot), Some(disk)) = (
                json::string(item, "SnapshotId"),
                json::string(item, "DiskId"),
            ) {
                disk_of.insert(snapshot, disk);
            }
        }
    }
    let snapshot_ids: Vec<&str> = disk_of.keys().map(String::as_str).collect();
    let mut groups: BTreeMap<String, Json> = BTreeMap::new();
    for chunk in snapshot_ids.chunks(MAX_DESCRIBE) {
        let params = json!({ "Filters": [{ "Name": "snapshot-id", "Values": chunk }] });
        let items = describe_all(
            client,
            Service::Cbs,
            DESCRIBE,
            params,
            "SnapshotGroupSet",
            LOOKUP_REQUIRED,
        )
        .await?;
        for item in items {
            if let Some(id) = json::string(&item, "SnapshotGroupId") {
                groups.insert(id, item);
            }
        }
    }
    Ok(requests
        .iter()
        .map(|request| {
            let wanted: BTreeSet<String> = strings_arg(&request.arguments, "disk_ids")
                .into_iter()
                .collect();
            let name = string_arg(&request.arguments, "snapshot_group_name").unwrap_or_default();
            groups
                .values()
                .filter(|group| {
                    let members = json::strings(group, "SnapshotIdSet");
                    let disks: Option<BTreeSet<String>> = members
                        .iter()
                        .map(|member| disk_of.get(member).cloned())
                        .collect();
                    disks.is_some_and(|disks| disks == wanted) && members.len() == wanted.len()
                })
                .filter(|group| {
                    name.is_empty()
                        || json::string(group, "SnapshotGroupName")
                            .is_none_or(|found| found == name)
                })
                .filter_map(|group| to_state(group, Some(&request.arguments)))
                .collect()
        })
        .collect())
}

/// What every CBS `SnapshotSet` item must carry to tell a member's disk.
const SNAPSHOT_FIELDS: &[&str] = &["SnapshotId", "DiskId"];

/// Every snapshot group of the region (100 a page, by exact name when the filter names one),
/// with its disks read from its member snapshots, since the API returns no disks: CBS
/// `DescribeSnapshots` with up to 100 `SnapshotIds` per call. With disks to filter by, the
/// snapshots of those disks come first (one `disk-id` filter for up to 100 disks), then the
/// groups holding them (one `snapshot-id` filter for up to 100 snapshots). A group whose
/// members cannot all be read has unknown disks and is left out, saying so. Tags cannot be
/// read back, so a discovered group has none.
async fn discover(client: &Client, filter: &DiscoverFilter) -> Result<Discovered, Error> {
    let wanted_disks = filter.values("disk_ids");
    let mut disk_of: BTreeMap<String, String> = BTreeMap::new();
    let mut groups: BTreeMap<String, Json> = BTreeMap::new();
    let mut keep_groups = |items: Vec<Json>| {
        for item in items {
            if let Some(id) = json::string(&item, "SnapshotGroupId") {
                groups.insert(id, item);
            }
        }
    };
    if wanted_disks.is_empty() {
        let params = match filter.exact_name() {
            Some(name) => {
                json!({ "Filters": [{ "Name": "snapshot-group-name", "Values": [name] }] })
            }
            None => json!({}),
        };
        keep_groups(
            describe_all(
                client,
                Service::Cbs,
                DESCRIBE,
                params,
                "SnapshotGroupSet",
                REQUIRED,
            )
            .await?,
        );
    } else {
        for chunk in wanted_disks.chunks(MAX_DESCRIBE) {
            let params = json!({ "Filters": [{ "Name": "disk-id", "Values": chunk }] });
            read_member_disks(client, params, &mut disk_of).await?;
        }
        let snapshot_ids: Vec<&str> = disk_of.keys().map(String::as_str).collect();
        for chunk in snapshot_ids.chunks(MAX_DESCRIBE) {
            let params = json!({ "Filters": [{ "Name": "snapshot-id", "Values": chunk }] });
            keep_groups(
                describe_all(
                    client,
                    Service::Cbs,
                    DESCRIBE,
                    params,
                    "SnapshotGroupSet",
                    REQUIRED,
                )
                .await?,
            );
        }
    }
    let unread: BTreeSet<String> = groups
        .values()
        .flat_map(|group| json::strings(group, "SnapshotIdSet"))
        .filter(|member| !disk_of.contains_key(member))
        .collect();
    let unread: Vec<&str> = unread.iter().map(String::as_str).collect();
    for chunk in unread.chunks(MAX_DESCRIBE) {
        read_member_disks(client, json!({ "SnapshotIds": chunk }), &mut disk_of).await?;
    }
    let mut discovered = Discovered::default();
    for group in groups.values() {
        let members = json::strings(group, "SnapshotIdSet");
        let missing: Vec<&str> = members
            .iter()
            .filter(|member| !disk_of.contains_key(member.as_str()))
            .map(String::as_str)
            .collect();
        if members.is_empty() || !missing.is_empty() {
            let id = json::string(group, "SnapshotGroupId").unwrap_or_default();
            let reason = if members.is_empty() {
                "it lists no member snapshots, so its disks are unknown".to_owned()
            } else {
                format!(
                    "its member snapshot{} {} cannot be read, so its disks are unknown",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                )
            };
            discovered.left_out.push(LeftOut {
                id,
                name: json::string(group, "SnapshotGroupName").unwrap_or_default(),
                reason,
            });
            continue;
        }
        let disks = members
            .iter()
            .filter_map(|member| disk_of.get(member))
            .map(|disk| Value::String(disk.clone()));
        let recorded: Attributes = [("disk_ids".to_owned(), Value::set(disks))].into();
        discovered.found.extend(to_state(group, Some(&recorded)));
    }
    Ok(discovered)
}

/// Adds the disk of every CBS snapshot `params` lists to `disk_of`, by snapshot ID.
async fn read_member_disks(
    client: &Client,
    params: Json,
    disk_of: &mut BTreeMap<String, String>,
) -> Result<(), Error> {
    let items = describe_all(
        client,
        Service::Cbs,
        "DescribeSnapshots",
        params,
        "SnapshotSet",
        SNAPSHOT_FIELDS,
    )
    .await?;
    for item in &items {
        if let (Some(snapshot), Some(disk)) = (
            json::string(item, "SnapshotId"),
            json::string(item, "DiskId"),
        ) {
            disk_of.insert(snapshot, disk);
        }
    }
    Ok(())
}

/// What the preflight checks read of a disk.
pub struct Disk {
    /// The instance it is attached to; empty when it is not attached.
    pub instance_id: String,
    /// How many backup points it may hold (`DiskBackupQuota`).
    pub backup_quota: usize,
    /// How many it holds (`DiskBackupCount`).
    pub backup_count: usize,
}

/// `DescribeDisks` for `disk_ids`, by ID. Only what the checks read is kept of each answer:
/// a disk's whole description is kilobytes, and a fleet's preflight reads tens of thousands.
pub async fn describe_disks(
    client: &Client,
    disk_ids: &BTreeSet<&str>,
) -> Result<BTreeMap<String, Disk>, Error> {
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
                let count = |key: &str| json::number(&item, key).unwrap_or(0.0) as usize;
                let disk = Disk {
                    instance_id: json::string(&item, "InstanceId").unwrap_or_default(),
                    backup_quota: count("DiskBackupQuota"),
                    backup_count: count("DiskBackupCount"),
                };
                disks.insert(id, disk);
            }
        }
    }
    Ok(disks)
}

/// Every disk must exist, and all of a group's disks must be mounted on one instance.
async fn preflight(
    client: &Client,
    planned: &PlannedChanges<'_>,
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
            let instance = disks[id.as_str()].instance_id.clone();
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
