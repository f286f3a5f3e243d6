//! `alicloud_ecd_snapshot`: Elastic Desktop cloud computer disk snapshots (`s-…`).
//!
//! ECD `DescribeSnapshots` takes one `SnapshotId` at most, so reads list the snapshots of each
//! recorded desktop (100 per page) and match IDs here. Nothing can be changed in place.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{Value as Json, json};
use snapform_core::Value;
use snapform_provider::{
    Attributes, CreateError, DiscoverFilter, Discovered, Error, LookupRequest, PlannedChanges,
    PreflightProblem, ReadRequest, Readiness, ResourceState, create_outcome, delete_in_batches,
    fill_from_record, put_string, string_arg,
};

use super::MAX_DESCRIBE;
use crate::client::{Client, Service};
use snapform_provider::json;

snapform_provider::resource_type!(
    EcdSnapshot,
    Client,
    &snapform_core::schema::alicloud::ECD_SNAPSHOT
);

const CREATE: &str = "CreateSnapshot";
const DESCRIBE: &str = "DescribeSnapshots";
const DELETE: &str = "DeleteSnapshot";
const DESCRIBE_DESKTOPS: &str = "DescribeDesktops";
/// What every `Snapshots` item carries.
const REQUIRED: &[&str] = &["SnapshotId", "Status"];
/// What a lookup matches on, which every `Snapshots` item carries too (the name is required at
/// create): an item without one of them could be the snapshot looked for, and dropping it
/// would create that snapshot a second time.
const LOOKUP_REQUIRED: &[&str] = &[
    "SnapshotId",
    "Status",
    "DesktopId",
    "SnapshotName",
    "SourceDiskType",
    "CreationTime",
];

/// The resource state of one `Snapshots` item; `recorded` fills what the item lacks.
fn to_state(item: &Json, recorded: Option<&Attributes>) -> Option<ResourceState> {
    let id = json::non_empty(item, "SnapshotId")?;
    let mut attributes = BTreeMap::new();
    put_string(&mut attributes, "desktop_id", item, "DesktopId");
    put_string(&mut attributes, "snapshot_name", item, "SnapshotName");
    // Answers spell it `SYSTEM`/`DATA`; the planner compares it without case.
    if let Some(disk_type) = json::non_empty(item, "SourceDiskType") {
        attributes.insert(
            "source_disk_type".to_owned(),
            Value::String(disk_type.to_ascii_uppercase()),
        );
    }
    put_string(&mut attributes, "description", item, "Description");
    put_string(&mut attributes, "status", item, "Status");
    put_string(&mut attributes, "progress", item, "Progress");
    if let Some(created) = json::non_empty(item, "CreationTime") {
        attributes.insert(
            "create_time".to_owned(),
            Value::String(json::normalise_time(&created)),
        );
    }
    for name in ["desktop_id", "snapshot_name", "source_disk_type"] {
        fill_from_record(&mut attributes, name, recorded);
    }
    let status = json::string(item, "Status").unwrap_or_default();
    // Only PROGRESSING and ACCOMPLISHED are documented; FAILED is expected but unconfirmed, so
    // any other value is a failure to surface, not something to wait for.
    let readiness = match status.to_ascii_uppercase().as_str() {
        "ACCOMPLISHED" => Readiness::Ready,
        "PROGRESSING" => Readiness::Creating {
            percent: json::percent(item, "Progress"),
        },
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
        "RegionId": client.region,
        "DesktopId": string_arg(arguments, "desktop_id").unwrap_or_default(),
        "SnapshotName": string_arg(arguments, "snapshot_name").unwrap_or_default(),
        // Terraform sends it upper case; the API takes either.
        "SourceDiskType": string_arg(arguments, "source_disk_type")
            .unwrap_or_default()
            .to_ascii_uppercase(),
    });
    if let Some(description) = string_arg(arguments, "description").filter(|d| !d.is_empty()) {
        request["Description"] = Json::from(description);
    }
    let result = client.call(Service::Ecd, CREATE, &request, false).await;
    create_outcome(CREATE, result, |response| {
        json::non_empty(response, "SnapshotId")
    })
}

/// Pages through an ECD Describe action with `request`'s filters (`NextToken`, 100 per page),
/// handing `on_page` each page's items as it comes, until the last page or until `on_page`
/// says the items so far are enough.
async fn for_each_page(
    client: &Client,
    action: &'static str,
    mut request: Json,
    list_key: &str,
    required: &[&str],
    mut on_page: impl FnMut(Vec<Json>) -> bool,
) -> Result<(), Error> {
    request["RegionId"] = Json::from(client.region.as_str());
    request["MaxResults"] = Json::from(MAX_DESCRIBE);
    loop {
        let mut response = client.call(Service::Ecd, action, &request, true).await?;
        let invalid = |why: String| Error::invalid_response(action, why);
        let page = json::take_items(&mut response, list_key).map_err(invalid)?;
        json::require_fields(&page, list_key, required).map_err(invalid)?;
        let enough = on_page(page);
        match json::non_empty(&response, "NextToken") {
            Some(token) if !enough => request["NextToken"] = Json::from(token),
            _ => return Ok(()),
        }
    }
}

/// [`for_each_page`], collecting the items of `list_key` until the last page or until `done`,
/// shown each page as it comes, says the items so far are enough.
async fn describe_pages(
    client: &Client,
    action: &'static str,
    request: Json,
    list_key: &str,
    required: &[&str],
    mut done: impl FnMut(&[Json]) -> bool,
) -> Result<Vec<Json>, Error> {
    let mut items = Vec::new();
    for_each_page(client, action, request, list_key, required, |page| {
        let done = done(&page);
        items.extend(page);
        done
    })
    .await?;
    Ok(items)
}

/// Shows `keep` the snapshots of `wanted` that a listing with `request`'s filters finds, page
/// by page, stopping once every one of them was seen.
async fn list_wanted(
    client: &Client,
    request: Json,
    wanted: &HashSet<&str>,
    keep: &mut (dyn FnMut(&Json) + Send),
) -> Result<(), Error> {
    // What is still to be seen, page by page: a listing of the whole region for a fleet is
    // hundreds of pages, and counting everything seen again after each would be quadratic.
    let mut unseen = wanted.clone();
    let on_page = |page: Vec<Json>| {
        for item in &page {
            if let Some(id) = json::string(item, "SnapshotId") {
                if wanted.contains(id.as_str()) {
                    keep(item);
                }
                unseen.remove(id.as_str());
            }
        }
        unseen.is_empty()
    };
    for_each_page(client, DESCRIBE, request, "Snapshots", REQUIRED, on_page).await
}

/// Reads by desktop: one listing per recorded desktop, paged, stopping once every wanted ID
/// of it was seen. A desktop with one wanted snapshot, and a snapshot with no recorded
/// desktop, is read by its ID instead: one call either way, and a listing may take several.
/// Each page's snapshots are handed over as it is read: a region's listing for a fleet is
/// hundreds of pages.
async fn read_each(
    client: &Client,
    requests: &[ReadRequest<'_>],
    found: &mut (dyn FnMut(ResourceState) + Send),
) -> Result<(), Error> {
    // Hashed, as are the IDs looked for: a fleet's listing looks up every snapshot it lists.
    let recorded: HashMap<&str, &Attributes> = requests
        .iter()
        .map(|request| (request.id.as_str(), request.recorded.as_ref()))
        .collect();
    let mut by_desktop: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    let mut single_ids = Vec::new();
    for request in requests {
        match string_arg(&request.recorded, "desktop_id") {
            Some(desktop_id) => {
                by_desktop
                    .entry(desktop_id)
                    .or_default()
                    .insert(request.id.as_str());
            }
            None => single_ids.push(request.id.as_str()),
        }
    }
    by_desktop.retain(|_, ids| {
        if ids.len() == 1 {
            single_ids.extend(ids.iter().copied());
            false
        } else {
            true
        }
    });
    let mut hand_over = |item: &Json| {
        if let Some(id) = json::string(item, "SnapshotId")
            && let Some(state) = to_state(item, recorded.get(id.as_str()).copied())
        {
            found(state);
        }
    };
    // When the snapshots are spread over many desktops (one each, at worst), listing per
    // desktop costs a call per snapshot. Listing the region's user snapshots, 100 a page, and
    // stopping once every wanted ID was seen costs a call per hundred instead.
    if by_desktop.len() + single_ids.len() > 2 {
        let wanted: HashSet<&str> = requests.iter().map(|request| request.id.as_str()).collect();
        let everything = json!({ "SnapshotType": "user" });
        return list_wanted(client, everything, &wanted, &mut hand_over).await;
    }
    for (desktop_id, wanted) in &by_desktop {
        let request = json!({ "DesktopId": desktop_id, "SnapshotType": "user" });
        list_wanted(client, request, wanted, &mut hand_over).await?;
    }
    for id in single_ids {
        let request = json!({ "SnapshotId": id });
        for_each_page(client, DESCRIBE, request, "Snapshots", REQUIRED, |page| {
            page.iter()
                .filter(|item| json::string(item, "SnapshotId").as_deref() == Some(id))
                .for_each(&mut hand_over);
            true
        })
        .await?;
    }
    Ok(())
}

/// Deletes up to 100 IDs per call (`SnapshotId.N`).
async fn delete_many(client: &Client, ids: &[String]) -> Vec<(String, Result<(), Error>)> {
    delete_in_batches(ids, MAX_DESCRIBE, |batch| async move {
        let request = json!({ "RegionId": client.region, "SnapshotId": batch });
        client
            .call(Service::Ecd, DELETE, &request, true)
            .await
            .map(|_| ())
    })
    .await
}

/// User snapshots of the requests' desktops made since the earliest intent: one region-wide
/// listing with the API's `StartTime` window serves every request, however many desktops.
/// A candidate has the request's desktop and disk type, and its name when the request names
/// one.
async fn lookup_many(
    client: &Client,
    requests: &[LookupRequest],
) -> Result<Vec<Vec<ResourceState>>, Error> {
    let mut listing = json!({ "SnapshotType": "user" });
    match requests
        .iter()
        .map(|request| request.not_before)
        .min()
        .flatten()
    {
        Some(earliest) => {
            listing["StartTime"] = Json::from(earliest.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        // Without a time, a region-wide listing could be long: list each desktop instead.
        None => {
            let desktops: BTreeSet<&str> = requests
                .iter()
                .filter_map(|request| string_arg(&request.arguments, "desktop_id"))
                .collect();
            let mut items = Vec::new();
            for desktop_id in desktops {
                let request = json!({ "DesktopId": desktop_id, "SnapshotType": "user" });
                items.extend(
                    describe_pages(
                        client,
                        DESCRIBE,
                        request,
                        "Snapshots",
                        LOOKUP_REQUIRED,
                        |_| false,
                    )
                    .await?,
                );
            }
            return Ok(candidates_per_request(requests, &items));
        }
    }
    let items = describe_pages(
        client,
        DESCRIBE,
        listing,
        "Snapshots",
        LOOKUP_REQUIRED,
        |_| false,
    )
    .await?;
    Ok(candidates_per_request(requests, &items))
}

/// For each request, the listed snapshots of its desktop, disk type and name.
fn candidates_per_request(requests: &[LookupRequest], items: &[Json]) -> Vec<Vec<ResourceState>> {
    requests
        .iter()
        .map(|request| {
            let arguments = &request.arguments;
            let desktop_id = string_arg(arguments, "desktop_id");
            let name = string_arg(arguments, "snapshot_name").unwrap_or_default();
            let disk_type = string_arg(arguments, "source_disk_type");
            items
                .iter()
                .filter(|item| json::string(item, "DesktopId").as_deref() == desktop_id)
                .filter(|item| {
                    name.is_empty()
                        || json::string(item, "SnapshotName").unwrap_or_default() == name
                })
                .filter(|item| {
                    disk_type.is_none_or(|wanted| {
                        json::string(item, "SourceDiskType")
                            .is_some_and(|found| found.eq_ignore_ascii_case(wanted))
                    })
                })
                .filter_map(|item| to_state(item, Some(arguments)))
                .collect()
        })
        .collect()
}

/// The user snapshots of the region, 100 a page (`NextToken`), by desktop when the filter names
/// desktops and by exact name when it names one. Automatic snapshots (`SnapshotType` auto) are
/// not listed: their policy makes and deletes them, and their reserved `auto` names are ones
/// snapform refuses to create.
async fn discover(client: &Client, filter: &DiscoverFilter) -> Result<Discovered, Error> {
    let mut listing = json!({ "SnapshotType": "user" });
    if let Some(name) = filter.exact_name() {
        listing["SnapshotName"] = Json::from(name);
    }
    let desktops = filter.values("desktop_id");
    let mut items = Vec::new();
    if desktops.is_empty() {
        items = describe_pages(
            client,
            DESCRIBE,
            listing.clone(),
            "Snapshots",
            REQUIRED,
            |_| false,
        )
        .await?;
    }
    for desktop_id in desktops {
        let mut request = listing.clone();
        request["DesktopId"] = Json::from(desktop_id.as_str());
        items.extend(
            describe_pages(client, DESCRIBE, request, "Snapshots", REQUIRED, |_| false).await?,
        );
    }
    Ok(Discovered {
        found: items
            .iter()
            .filter_map(|item| to_state(item, None))
            .collect(),
        left_out: Vec::new(),
    })
}

/// The status of each desktop of `desktop_ids` that exists, 100 per `DescribeDesktops` call.
async fn desktop_statuses(
    client: &Client,
    desktop_ids: &BTreeSet<&str>,
) -> Result<BTreeMap<String, String>, Error> {
    let ids: Vec<&str> = desktop_ids.iter().copied().collect();
    let mut statuses = BTreeMap::new();
    for chunk in ids.chunks(MAX_DESCRIBE) {
        let request = json!({ "DesktopId": chunk });
        let desktops = describe_pages(
            client,
            DESCRIBE_DESKTOPS,
            request,
            "Desktops",
            &["DesktopId"],
            |_| false,
        )
        .await?;
        for desktop in &desktops {
            if let Some(id) = json::non_empty(desktop, "DesktopId") {
                let status = json::string(desktop, "DesktopStatus").unwrap_or_default();
                statuses.insert(id, status);
            }
        }
    }
    Ok(statuses)
}

/// Every desktop must exist and be Running or Stopped: ECD refuses snapshots of a desktop in
/// any other state.
async fn preflight(
    client: &Client,
    planned: &PlannedChanges<'_>,
) -> Result<Vec<Vec<PreflightProblem>>, Error> {
    let creates = &planned.creates;
    let desktop_ids: BTreeSet<&str> = creates
        .iter()
        .filter_map(|arguments| string_arg(arguments, "desktop_id"))
        .collect();
    let statuses = desktop_statuses(client, &desktop_ids).await?;
    Ok(creates
        .iter()
        .map(|arguments| {
            let Some(desktop_id) = string_arg(arguments, "desktop_id") else {
                return Vec::new();
            };
            match statuses.get(desktop_id).map(String::as_str) {
                None => vec![PreflightProblem {
                    code: "parent-not-found",
                    message: format!(
                        "cloud computer {desktop_id} does not exist in region {}",
                        client.region
                    ),
                    argument: "desktop_id",
                }],
                Some("Running" | "Stopped") => Vec::new(),
                Some(status) => vec![PreflightProblem {
                    code: "desktop-state",
                    message: format!(
                        "cloud computer {desktop_id} is {status}; snapshots need it Running or Stopped"
                    ),
                    argument: "desktop_id",
                }],
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
            "SnapshotId": "s-2zeipxmnhej803x7****", "SnapshotName": "testSnapshotName",
            "Description": "", "Status": "PROGRESSING", "Progress": "45%",
            "RemainTime": -1, "SnapshotType": "USER", "SourceDiskType": "system",
            "SourceDiskSize": "150", "DesktopId": "ecd-g03l3tlm8djoj****",
            "CreationTime": "2020-12-20 14:52:28", "VolumeEncryptionEnabled": false,
            "EnvId": null, "SomethingNew": {"nested": true}
        });
        let state = to_state(&item, None).expect("a snapshot");
        assert_eq!(state.readiness, Readiness::Creating { percent: Some(45) });
        assert_eq!(
            state.attributes["source_disk_type"],
            Value::string("SYSTEM")
        );
        assert_eq!(
            state.attributes["create_time"],
            Value::string("2020-12-20T14:52:28Z")
        );
        assert!(!state.attributes.contains_key("description"));

        let ready = serde_json::json!({"SnapshotId": "s-1", "Status": "ACCOMPLISHED"});
        let recorded: Attributes = [("desktop_id".to_owned(), Value::string("ecd-1"))].into();
        let state = to_state(&ready, Some(&recorded)).expect("a snapshot");
        assert_eq!(state.readiness, Readiness::Ready);
        assert_eq!(state.attributes["desktop_id"], Value::string("ecd-1"));

        for status in ["FAILED", "", "SOMETHING"] {
            let item = serde_json::json!({"SnapshotId": "s-1", "Status": status});
            assert!(matches!(
                to_state(&item, None).expect("a snapshot").readiness,
                Readiness::Failed { .. }
            ));
        }
        assert!(to_state(&serde_json::json!({"Status": "ACCOMPLISHED"}), None).is_none());
    }
}
