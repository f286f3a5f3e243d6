//! Alibaba ECD `2020-09-30`: cloud computer disk snapshots (`s-`), desktops.
//!
//! Business errors are HTTP 400. The ECD pages list no action-specific codes; the codes used
//! for an unknown desktop (`InvalidDesktopId.NotFound`), a desktop in the wrong state
//! (`IncorrectDesktopStatus`), a disk with a snapshot in progress
//! (`IncorrectDiskStatus.CreatingSnapshot`) and an unknown snapshot
//! (`InvalidSnapshotId.NotFound`) follow the ECS naming and are the emulator's choice.

use serde_json::{Map, Value, json};

use super::{
    Among, Cloud, Ctx, Flat, Resource, ResourceType, alibaba_name_ok, invalid, iso_time, object,
    page,
};
use crate::api::ApiError;
use crate::inventory::Desktop;

pub(super) fn handle(
    cloud: &mut Cloud,
    region: &str,
    action: &str,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    match action {
        "CreateSnapshot" => create_snapshot(cloud, region, params, ctx),
        "DescribeSnapshots" => describe_snapshots(cloud, region, params, ctx),
        "DeleteSnapshot" => delete_snapshot(cloud, region, params, ctx),
        "DescribeDesktops" => describe_desktops(cloud, region, params),
        _ => Err(
            ApiError::new("InvalidAction.NotFound", "Specified api is not found.").with_status(404),
        ),
    }
}

/// `MaxResults` (1..=100, default 10) and the `NextToken` offset.
fn token_page(params: Flat<'_>) -> Result<(usize, usize), ApiError> {
    let limit = max_results(params)?;
    let offset = match params.get("NextToken") {
        None | Some("") => 0,
        Some(token) => token
            .strip_prefix("nt")
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or_else(|| {
                invalid(
                    "NextToken",
                    format!("The NextToken `{token}` is not valid."),
                )
            })?,
    };
    Ok((offset, limit))
}

/// Where a page of snapshots starts: after so many of them (a token `nt{offset}`), or after
/// the snapshot a previous page ended with (`nt{created_ms}-{seq}`, what the emulator hands
/// out), which lists a region's snapshots in one pass however many pages they take.
#[derive(Clone, Copy)]
enum Resume {
    Offset(usize),
    After(i64, u64),
}

/// `MaxResults` and `NextToken` of a snapshot listing.
fn snapshot_page(params: Flat<'_>) -> Result<(Resume, usize), ApiError> {
    let bad = |token: &str| {
        invalid(
            "NextToken",
            format!("The NextToken `{token}` is not valid."),
        )
    };
    if let Some(token) = params.get("NextToken").filter(|token| !token.is_empty())
        && let Some((created_ms, seq)) = token
            .strip_prefix("nt")
            .and_then(|position| position.split_once('-'))
    {
        let created_ms = created_ms.parse::<i64>().map_err(|_| bad(token))?;
        let seq = seq.parse::<u64>().map_err(|_| bad(token))?;
        return Ok((Resume::After(created_ms, seq), max_results(params)?));
    }
    let (offset, limit) = token_page(params)?;
    Ok((Resume::Offset(offset), limit))
}

/// `MaxResults`: 1 to 100, 10 when not given.
fn max_results(params: Flat<'_>) -> Result<usize, ApiError> {
    let max = params
        .integer("MaxResults", "InvalidParameter.MaxResults")?
        .unwrap_or(10);
    if !(1..=100).contains(&max) {
        return Err(invalid(
            "MaxResults",
            "MaxResults must be between 1 and 100.",
        ));
    }
    Ok(usize::try_from(max).unwrap_or(100))
}

fn next_token(offset: usize, limit: usize, total: usize) -> String {
    if offset + limit < total {
        format!("nt{}", offset + limit)
    } else {
        String::new()
    }
}

fn create_snapshot(
    cloud: &mut Cloud,
    region: &str,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let desktop_id = params.required("DesktopId", "MissingDesktopId")?;
    let name = params.required("SnapshotName", "MissingSnapshotName")?;
    let disk_type = params.required("SourceDiskType", "MissingSourceDiskType")?;
    let description = params.get("Description").unwrap_or("");
    if !alibaba_name_ok(name, 2, 127, &[]) {
        return Err(invalid(
            "SnapshotName",
            "The snapshot name must be 2 to 127 characters, start with a letter, contain only letters, digits, underscores and hyphens, and not start with auto, http:// or https://.",
        ));
    }
    let disk_type = match disk_type.to_ascii_lowercase().as_str() {
        "system" => "SYSTEM",
        "data" => "DATA",
        _ => {
            return Err(invalid(
                "SourceDiskType",
                format!("SourceDiskType must be system or data, not `{disk_type}`."),
            ));
        }
    };
    if description.chars().count() > 128 {
        return Err(invalid(
            "Description",
            "The description must be at most 128 characters.",
        ));
    }
    let desktop = cloud.desktop(region, desktop_id).cloned().ok_or_else(|| {
        ApiError::new(
            "InvalidDesktopId.NotFound",
            format!("The specified desktop `{desktop_id}` is not found."),
        )
    })?;
    if !matches!(desktop.status.as_str(), "Running" | "Stopped") {
        return Err(ApiError::new(
            "IncorrectDesktopStatus",
            format!(
                "The desktop is `{}`; snapshots need a Running or Stopped desktop.",
                desktop.status
            ),
        ));
    }
    if let Some(busy) = cloud
        .children(desktop_id)
        .find(|child| child.disk_type == disk_type && child.is_creating(ctx.now_ms))
    {
        return Err(ApiError::new(
            "IncorrectDiskStatus.CreatingSnapshot",
            format!("The disk is creating snapshot `{}`.", busy.id),
        ));
    }
    let id = cloud.new_id("s-", 20, ctx.rng);
    let mut snapshot = cloud.new_resource(
        ResourceType::EcdSnapshot,
        id.clone(),
        region,
        vec![desktop_id.to_owned()],
        ctx,
    );
    snapshot.name = name.to_owned();
    snapshot.description = description.to_owned();
    snapshot.disk_type = disk_type.to_owned();
    snapshot.disk_size = if disk_type == "SYSTEM" {
        desktop.system_disk_size
    } else {
        desktop.data_disk_size
    };
    cloud.insert(snapshot);
    Ok(object([("SnapshotId", json!(id))]))
}

fn snapshot_json(snapshot: &Resource, desktop: Option<&Desktop>, now: i64) -> Value {
    let remain = if snapshot.is_creating(now) {
        (snapshot.ready_ms - now).max(0) / 1000
    } else {
        0
    };
    json!({
        "SnapshotId": snapshot.id,
        "SnapshotName": snapshot.name,
        "Description": snapshot.description,
        "Status": snapshot.status(now),
        "Progress": format!("{}%", snapshot.percent(now)),
        "RemainTime": remain,
        "SnapshotType": "USER",
        "SourceDiskType": snapshot.disk_type,
        "SourceDiskSize": snapshot.disk_size.to_string(),
        "DesktopId": snapshot.parents[0],
        "DesktopName": desktop.map_or(snapshot.parents[0].as_str(), |d| d.name.as_deref().unwrap_or(&d.id)),
        "DesktopStatus": desktop.map_or("", |d| d.status.as_str()),
        "DiskStatus": "In_use",
        "OsType": "Windows",
        "ProtocolType": "ASP",
        "Creator": "",
        "CreationTime": iso_time(snapshot.created_ms),
        "VolumeEncryptionEnabled": false,
    })
}

fn parse_time(name: &str, text: &str) -> Result<i64, ApiError> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|time| time.unix_timestamp() * 1000)
        .map_err(|_| {
            invalid(
                name,
                format!("{name} must be yyyy-MM-ddTHH:mm:ssZ, not `{text}`."),
            )
        })
}

fn describe_snapshots(
    cloud: &mut Cloud,
    region: &str,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let (resume, limit) = snapshot_page(params)?;
    let snapshot_id = params.get("SnapshotId").filter(|id| !id.is_empty());
    let desktop_id = params.get("DesktopId").filter(|id| !id.is_empty());
    let name = params.get("SnapshotName").filter(|name| !name.is_empty());
    let disk_type = params
        .get("SourceDiskType")
        .filter(|kind| !kind.is_empty())
        .map(str::to_ascii_uppercase);
    let snapshot_type = params
        .get("SnapshotType")
        .unwrap_or("all")
        .to_ascii_lowercase();
    if !matches!(snapshot_type.as_str(), "all" | "auto" | "user" | "") {
        return Err(invalid(
            "SnapshotType",
            "SnapshotType must be all, auto or user.",
        ));
    }
    let start = params
        .get("StartTime")
        .filter(|text| !text.is_empty())
        .map(|text| parse_time("StartTime", text))
        .transpose()?;
    let end = params
        .get("EndTime")
        .filter(|text| !text.is_empty())
        .map(|text| parse_time("EndTime", text))
        .transpose()?;
    let now = ctx.now_ms;
    let single_id = snapshot_id.map(|id| [id]);
    let single_desktop = desktop_id.map(|id| [id]);
    let among = match (&single_id, &single_desktop) {
        (Some(id), _) => Among::Ids(id),
        (None, Some(desktop)) => Among::ChildrenOf(desktop),
        (None, None) => Among::All,
    };
    let wanted = |snapshot: &&Resource| {
        snapshot_type != "auto"
            && desktop_id.is_none_or(|id| id == snapshot.parents[0])
            && name.is_none_or(|name| name == snapshot.name)
            && disk_type
                .as_ref()
                .is_none_or(|kind| *kind == snapshot.disk_type)
            && start.is_none_or(|start| snapshot.created_ms >= start)
            && end.is_none_or(|end| snapshot.created_ms <= end)
    };
    // Newest first, as the console lists them. A listing of the whole region (how refresh reads
    // a fleet's snapshots, 100 a page) walks the region in order from where the last page
    // ended, instead of listing and sorting the whole region for every page.
    let (listed, more): (Vec<&Resource>, bool) = match (among, resume) {
        (Among::All, Resume::Offset(0)) | (Among::All, Resume::After(..)) => {
            let before = match resume {
                Resume::After(created_ms, seq) => Some((created_ms, seq)),
                Resume::Offset(_) => None,
            };
            let mut newer = cloud
                .newest_first(ResourceType::EcdSnapshot, region, now, before)
                .filter(wanted);
            let listed: Vec<&Resource> = newer.by_ref().take(limit).collect();
            (listed, newer.next().is_some())
        }
        (among, resume) => {
            let mut matched: Vec<&Resource> = cloud
                .listed_among(ResourceType::EcdSnapshot, Some(region), now, among)
                .into_iter()
                .filter(wanted)
                .collect();
            matched.reverse();
            let skipped = match resume {
                Resume::Offset(offset) => offset.min(matched.len()),
                Resume::After(created_ms, seq) => matched
                    .iter()
                    .take_while(|snapshot| (snapshot.created_ms, snapshot.seq) >= (created_ms, seq))
                    .count(),
            };
            let more = skipped + limit < matched.len();
            (page(&matched, skipped, limit), more)
        }
    };
    let next = match listed.last() {
        Some(last) if more => format!("nt{}-{}", last.created_ms, last.seq),
        _ => String::new(),
    };
    let snapshots: Vec<Value> = listed
        .into_iter()
        .map(|snapshot| snapshot_json(snapshot, cloud.desktop(region, &snapshot.parents[0]), now))
        .collect();
    Ok(object([
        ("Snapshots", Value::Array(snapshots)),
        ("NextToken", json!(next)),
    ]))
}

fn delete_snapshot(
    cloud: &mut Cloud,
    region: &str,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let mut ids = params.list("SnapshotId");
    if ids.is_empty()
        && let Some(single) = params.get("SnapshotId")
    {
        ids.push(single);
    }
    if ids.is_empty() {
        return Err(ApiError::new(
            "MissingSnapshotId",
            "SnapshotId is mandatory for this action.",
        ));
    }
    if ids.len() > 100 {
        return Err(invalid(
            "SnapshotId",
            "At most 100 SnapshotId values can be given.",
        ));
    }
    for id in &ids {
        cloud
            .live_in(ResourceType::EcdSnapshot, region, id, ctx.now_ms)
            .ok_or_else(|| {
                ApiError::new(
                    "InvalidSnapshotId.NotFound",
                    format!("The specified snapshot `{id}` is not found."),
                )
            })?;
    }
    for id in ids {
        cloud.remove(id);
    }
    Ok(Map::new())
}

fn describe_desktops(
    cloud: &mut Cloud,
    region: &str,
    params: Flat<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let (offset, limit) = token_page(params)?;
    let ids = params.list("DesktopId");
    if ids.len() > 100 {
        return Err(invalid(
            "DesktopId",
            "At most 100 DesktopId values can be given.",
        ));
    }
    let status = params
        .get("DesktopStatus")
        .filter(|status| !status.is_empty());
    let name = params.get("DesktopName").filter(|name| !name.is_empty());
    // By ID, only the desktops named are looked at; the answer keeps the inventory's order.
    let desktops: Vec<&Desktop> = if ids.is_empty() {
        cloud
            .inventory()
            .alicloud
            .regions
            .get(region)
            .map(|region| region.desktops.iter().collect())
            .unwrap_or_default()
    } else {
        cloud.desktops_among(region, &ids)
    };
    let matched: Vec<&Desktop> = desktops
        .into_iter()
        .filter(|desktop| status.is_none_or(|status| status == desktop.status))
        .filter(|desktop| name.is_none_or(|name| Some(name) == desktop.name.as_deref()))
        .collect();
    let list: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|desktop| {
            json!({
                "DesktopId": desktop.id,
                "DesktopName": desktop.name.as_deref().unwrap_or(&desktop.id),
                "DesktopStatus": desktop.status,
                "DesktopType": "eds.general.2c4g",
                "OsType": "Windows",
                "Platform": "Windows Server 2019",
                "ProtocolType": "ASP",
                "Cpu": 2,
                "Memory": 4096,
                "SystemDiskSize": desktop.system_disk_size,
                "DataDiskSize": desktop.data_disk_size.to_string(),
                "Disks": [
                    {"DiskId": format!("{}-system", desktop.id), "DiskType": "SYSTEM", "DiskSize": desktop.system_disk_size},
                    {"DiskId": format!("{}-data", desktop.id), "DiskType": "DATA", "DiskSize": desktop.data_disk_size},
                ],
                "CreationTime": "2024-01-01T00:00Z",
                "ChargeType": "PostPaid",
                "OfficeSiteId": format!("{region}+dir-emulator"),
                "OfficeSiteType": "SIMPLE",
            })
        })
        .collect();
    Ok(object([
        ("Desktops", Value::Array(list)),
        ("NextToken", json!(next_token(offset, limit, matched.len()))),
        ("TotalCount", json!(matched.len())),
        ("PageNumber", json!(1)),
        ("PageSize", json!(limit)),
    ]))
}
