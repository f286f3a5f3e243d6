//! `alicloud_ens_snapshot`: ENS edge disk snapshots (`s-…`, `sp-…`).
//!
//! ENS takes no `RegionId`: the edge node is `EnsRegionId`. `DescribeSnapshots` takes up to
//! 100 IDs as one JSON array text; `DeleteSnapshot` takes one ID; the name and description
//! change in place with `ModifySnapshotAttribute`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Value as Json, json};
use snapform_core::Value;
use snapform_provider::{
    Attributes, CreateError, DiscoverFilter, Discovered, Error, LookupRequest, PlannedChanges,
    PreflightProblem, ReadRequest, Readiness, ResourceState, create_outcome, delete_in_batches,
    fill_from_record, put_string, string_arg,
};

use super::MAX_DESCRIBE;
use crate::client::{Client, Service};
use crate::params;
use snapform_provider::json;

snapform_provider::resource_type!(
    EnsSnapshot,
    Client,
    &snapform_core::schema::alicloud::ENS_SNAPSHOT,
    update
);

const CREATE: &str = "CreateSnapshot";
const DESCRIBE: &str = "DescribeSnapshots";
const MODIFY: &str = "ModifySnapshotAttribute";
const DELETE: &str = "DeleteSnapshot";
const DESCRIBE_DISKS: &str = "DescribeDisks";
/// What every `Snapshots` item carries.
const REQUIRED: &[&str] = &["SnapshotId", "Status"];
/// The parent and time a lookup matches on, which the API sends for every snapshot: an item
/// without one of them could be the snapshot looked for, and dropping it would create that
/// snapshot again. The name is optional at create, so an item without one is kept as a
/// candidate instead, and the planner's narrowing decides.
const LOOKUP_REQUIRED: &[&str] = &[
    "SnapshotId",
    "Status",
    "SourceDiskId",
    "EnsRegionId",
    "CreationTime",
];

/// The resource state of one `Snapshots` item; `recorded` fills what the item lacks.
fn to_state(item: &Json, recorded: Option<&Attributes>) -> Option<ResourceState> {
    let id = json::non_empty(item, "SnapshotId")?;
    let mut attributes = BTreeMap::new();
    put_string(&mut attributes, "ens_region_id", item, "EnsRegionId");
    put_string(&mut attributes, "disk_id", item, "SourceDiskId");
    put_string(&mut attributes, "snapshot_name", item, "SnapshotName");
    put_string(&mut attributes, "description", item, "Description");
    put_string(&mut attributes, "status", item, "Status");
    if let Some(created) = json::non_empty(item, "CreationTime") {
        attributes.insert(
            "creation_time".to_owned(),
            Value::String(json::normalise_time(&created)),
        );
    }
    for name in ["ens_region_id", "disk_id"] {
        fill_from_record(&mut attributes, name, recorded);
    }
    let status = json::string(item, "Status").unwrap_or_default();
    // One doc page spells `Available`; samples and Terraform use lower case.
    let readiness = match status.to_ascii_lowercase().as_str() {
        "available" => Readiness::Ready,
        "creating" => Readiness::Creating { percent: None },
        "deleting" => Readiness::Deleting,
        _ => Readiness::Failed {
            reason: format!("snapshot status {status:?}"),
        },
    };
    Some(ResourceState {
        id,
        attributes,
        readiness,
    })
}

/// `CreateSnapshot` takes no tags, so `_intent_id` is not sent.
async fn create(
    client: &Client,
    arguments: &Attributes,
    _intent_id: &str,
) -> Result<String, CreateError> {
    let mut request = json!({
        "EnsRegionId": string_arg(arguments, "ens_region_id").unwrap_or_default(),
        "DiskId": string_arg(arguments, "disk_id").unwrap_or_default(),
    });
    for (name, key) in [
        ("snapshot_name", "SnapshotName"),
        ("description", "Description"),
    ] {
        if let Some(value) = string_arg(arguments, name).filter(|value| !value.is_empty()) {
            request[key] = Json::from(value);
        }
    }
    let result = client.call(Service::Ens, CREATE, &request, false).await;
    // `SnapShotId` (sic) is an array in current docs and SDKs, a string in older pages.
    create_outcome(CREATE, result, |response| {
        json::strings(response, "SnapShotId")
            .into_iter()
            .chain(json::strings(response, "SnapshotId"))
            .find(|id| !id.is_empty())
    })
}

/// Pages through an ENS Describe action (`PageNumber`/`PageSize` 100) until `TotalCount`
/// items were read or a page comes back empty, collecting the items of `list_key`.
async fn describe_pages(
    client: &Client,
    action: &'static str,
    mut request: Json,
    list_key: &str,
    required: &[&str],
) -> Result<Vec<Json>, Error> {
    let mut items = Vec::new();
    let mut page_number = 1usize;
    loop {
        request["PageNumber"] = Json::from(page_number);
        request["PageSize"] = Json::from(MAX_DESCRIBE);
        let mut response = client.call(Service::Ens, action, &request, true).await?;
        let invalid = |why: String| Error::invalid_response(action, why);
        let page = json::take_items(&mut response, list_key).map_err(invalid)?;
        json::require_fields(&page, list_key, required).map_err(invalid)?;
        let total = json::count(&response, "TotalCount").map_err(invalid)?;
        let read = page.len();
        items.extend(page);
        if items.len() >= total {
            return Ok(items);
        }
        if read == 0 {
            return Err(invalid(format!(
                "an empty page {page_number}, though `TotalCount` is {total}"
            )));
        }
        page_number += 1;
    }
}

/// Reads 100 IDs per call, as one JSON array text in `SnapshotId`.
async fn read_each(
    client: &Client,
    requests: &[ReadRequest<'_>],
    found: &mut (dyn FnMut(ResourceState) + Send),
) -> Result<(), Error> {
    // Hashed: a fleet's read looks up every snapshot it reads.
    let recorded: HashMap<&str, &Attributes> = requests
        .iter()
        .map(|request| (request.id.as_str(), request.recorded.as_ref()))
        .collect();
    for chunk in requests.chunks(MAX_DESCRIBE) {
        let ids: Vec<&str> = chunk.iter().map(|request| request.id.as_str()).collect();
        let request = json!({ "SnapshotId": params::json_style(&json!(ids)) });
        let items = describe_pages(client, DESCRIBE, request, "Snapshots", REQUIRED).await?;
        // Keep only what was asked for, should the filter ever be read loosely.
        items
            .iter()
            .filter_map(|item| {
                let id = json::string(item, "SnapshotId")?;
                let recorded = *recorded.get(id.as_str())?;
                to_state(item, Some(recorded))
            })
            .for_each(&mut *found);
    }
    Ok(())
}

/// Renames and re-describes in place, sending the values `arguments` has. ENS cannot clear
/// either (both need at least 2 characters), so an absent value is left as it is.
async fn update(client: &Client, id: &str, arguments: &Attributes) -> Result<(), Error> {
    let mut request = json!({ "SnapshotId": id });
    let mut changes = false;
    for (name, key) in [
        ("snapshot_name", "SnapshotName"),
        ("description", "Description"),
    ] {
        if let Some(value) = string_arg(arguments, name).filter(|value| !value.is_empty()) {
            request[key] = Json::from(value);
            changes = true;
        }
    }
    if !changes {
        return Ok(());
    }
    client
        .call(Service::Ens, MODIFY, &request, true)
        .await
        .map(|_| ())
}

/// Deletes one ID per call: the API takes no list.
async fn delete_many(client: &Client, ids: &[String]) -> Vec<(String, Result<(), Error>)> {
    delete_in_batches(ids, 1, |batch| async move {
        let request = json!({ "SnapshotId": batch.first() });
        client
            .call(Service::Ens, DELETE, &request, true)
            .await
            .map(|_| ())
    })
    .await
}

/// Listing a disk's snapshots costs one call; listing whole edge regions, 100 of them per call
/// (`EnsRegionIds`), costs a page per 100 snapshots. Up to this many disks are listed one by
/// one; beyond, by region.
const DISKS_LISTED_ONE_BY_ONE: usize = 5;

/// Snapshots of the requests' disks. A candidate has the request's edge region and disk, and
/// its name when the request names one.
async fn lookup_many(
    client: &Client,
    requests: &[LookupRequest],
) -> Result<Vec<Vec<ResourceState>>, Error> {
    let parents: BTreeSet<(&str, &str)> = requests
        .iter()
        .filter_map(|request| {
            Some((
                string_arg(&request.arguments, "ens_region_id")?,
                string_arg(&request.arguments, "disk_id")?,
            ))
        })
        .collect();
    let mut items = Vec::new();
    if parents.len() <= DISKS_LISTED_ONE_BY_ONE {
        for (ens_region_id, disk_id) in &parents {
            let request = json!({ "EnsRegionId": ens_region_id, "DiskId": disk_id });
            items.extend(
                describe_pages(client, DESCRIBE, request, "Snapshots", LOOKUP_REQUIRED).await?,
            );
        }
    } else {
        let regions: BTreeSet<&str> = parents.iter().map(|(region, _)| *region).collect();
        let regions: Vec<&str> = regions.into_iter().collect();
        for chunk in regions.chunks(MAX_DESCRIBE) {
            let request = json!({ "EnsRegionIds": params::json_style(&json!(chunk)) });
            items.extend(
                describe_pages(client, DESCRIBE, request, "Snapshots", LOOKUP_REQUIRED).await?,
            );
        }
    }
    Ok(requests
        .iter()
        .map(|request| {
            let arguments = &request.arguments;
            let ens_region_id = string_arg(arguments, "ens_region_id");
            let disk_id = string_arg(arguments, "disk_id");
            let name = string_arg(arguments, "snapshot_name").unwrap_or_default();
            items
                .iter()
                .filter(|item| json::string(item, "SourceDiskId").as_deref() == disk_id)
                .filter(|item| json::string(item, "EnsRegionId").as_deref() == ens_region_id)
                .filter(|item| {
                    name.is_empty()
                        || json::string(item, "SnapshotName").is_none_or(|found| found == name)
                })
                .filter_map(|item| to_state(item, Some(arguments)))
                .collect()
        })
        .collect())
}

/// The account's snapshots in every edge region, 100 a page: ENS has one endpoint for all edge
/// regions and its `DescribeSnapshots` takes no region unless asked, so one listing covers
/// them all. The filter's edge regions go to `EnsRegionIds` (up to 100 per call), its disks to
/// `DiskId` (one per call, the API takes no list), its exact name to `SnapshotName`.
async fn discover(client: &Client, filter: &DiscoverFilter) -> Result<Discovered, Error> {
    let mut listing = json!({});
    if let Some(name) = filter.exact_name() {
        listing["SnapshotName"] = Json::from(name);
    }
    let regions = filter.values("ens_region_id");
    let mut by_region = Vec::new();
    if regions.is_empty() {
        by_region.push(listing.clone());
    }
    for chunk in regions.chunks(MAX_DESCRIBE) {
        let mut request = listing.clone();
        request["EnsRegionIds"] = Json::from(params::json_style(&json!(chunk)));
        by_region.push(request);
    }
    let disks = filter.values("disk_id");
    let mut items = Vec::new();
    for request in by_region {
        if disks.is_empty() {
            items.extend(describe_pages(client, DESCRIBE, request, "Snapshots", REQUIRED).await?);
            continue;
        }
        for disk_id in disks {
            let mut request = request.clone();
            request["DiskId"] = Json::from(disk_id.as_str());
            items.extend(describe_pages(client, DESCRIBE, request, "Snapshots", REQUIRED).await?);
        }
    }
    Ok(Discovered {
        found: items
            .iter()
            .filter_map(|item| to_state(item, None))
            .collect(),
        left_out: Vec::new(),
    })
}

/// Every disk must exist in its edge region. `DescribeDisks` is asked per edge region, 100
/// disk IDs per call (`DiskIds` as a JSON array text).
async fn preflight(
    client: &Client,
    planned: &PlannedChanges<'_>,
) -> Result<Vec<Vec<PreflightProblem>>, Error> {
    let creates = &planned.creates;
    let mut wanted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for arguments in creates {
        if let (Some(ens_region_id), Some(disk_id)) = (
            string_arg(arguments, "ens_region_id"),
            string_arg(arguments, "disk_id"),
        ) {
            wanted.entry(ens_region_id).or_default().insert(disk_id);
        }
    }
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    for (ens_region_id, disk_ids) in &wanted {
        let ids: Vec<&str> = disk_ids.iter().copied().collect();
        for chunk in ids.chunks(MAX_DESCRIBE) {
            let request = json!({
                "EnsRegionId": ens_region_id,
                "DiskIds": params::json_style(&json!(chunk)),
            });
            let disks =
                describe_pages(client, DESCRIBE_DISKS, request, "Disks", &["DiskId"]).await?;
            found.extend(disks.iter().filter_map(|disk| {
                let id = json::non_empty(disk, "DiskId")?;
                let region = json::non_empty(disk, "EnsRegionId")
                    .unwrap_or_else(|| (*ens_region_id).to_owned());
                Some((region, id))
            }));
        }
    }
    Ok(creates
        .iter()
        .map(|arguments| {
            match (
                string_arg(arguments, "ens_region_id"),
                string_arg(arguments, "disk_id"),
            ) {
                (Some(ens_region_id), Some(disk_id))
                    if !found.contains(&(ens_region_id.to_owned(), disk_id.to_owned())) =>
                {
                    vec![PreflightProblem {
                        code: "parent-not-found",
                        message: format!(
                            "ENS disk {disk_id} does not exist in edge region {ens_region_id}"
                        ),
                        argument: "disk_id",
                    }]
                }
                _ => Vec::new(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_read_leniently_from_the_documented_sample() {
        let item = serde_json::json!({
            "SnapshotId": "s-bp67acfmxazb4p****", "SnapshotName": "testSnapshotName",
            "Description": "testDescription", "Status": "Available",
            "CreationTime": "2020-08-20 14:52:28", "Size": "40",
            "SourceDiskId": "d-bp67acfmxazb4ph****", "SourceDiskType": "1",
            "SourceDiskCategory": "cloud_efficiency", "EnsRegionId": "cn-beijing-15",
            "Unknown": [1, 2]
        });
        let state = to_state(&item, None).expect("a snapshot");
        assert_eq!(state.readiness, Readiness::Ready);
        assert_eq!(
            state.attributes["disk_id"],
            Value::string("d-bp67acfmxazb4ph****")
        );
        assert_eq!(
            state.attributes["creation_time"],
            Value::string("2020-08-20T14:52:28Z")
        );
        let readiness = |status: &str| {
            to_state(
                &serde_json::json!({"SnapshotId": "s-1", "Status": status}),
                None,
            )
            .expect("a snapshot")
            .readiness
        };
        assert_eq!(readiness("creating"), Readiness::Creating { percent: None });
        assert_eq!(readiness("deleting"), Readiness::Deleting);
        assert!(matches!(readiness("error"), Readiness::Failed { .. }));
    }
}
