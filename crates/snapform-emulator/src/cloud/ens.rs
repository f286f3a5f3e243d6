//! Alibaba ENS `2017-11-10`: edge disk snapshots (`sp-`), edge disks.
//!
//! ENS takes no `RegionId`: every call names the edge region (`EnsRegionId`) where it needs
//! one. Codes for an unknown disk (`InvalidDiskId.NotFound`), a disk with a snapshot in progress
//! (`IncorrectDiskStatus.CreatingSnapshot`) and an exhausted per-disk quota
//! (`QuotaExceed.Snapshot`) are not documented for ENS and follow the ECS naming.

use serde_json::{Map, Value, json};

use super::{
    Among, Cloud, Ctx, Flat, Phase, Resource, ResourceType, alibaba_name_ok, invalid, iso_time,
    object, page,
};
use crate::api::ApiError;
use crate::inventory::EnsDisk;

pub(super) fn handle(
    cloud: &mut Cloud,
    action: &str,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    match action {
        "CreateSnapshot" => create_snapshot(cloud, params, ctx),
        "DescribeSnapshots" => describe_snapshots(cloud, params, ctx),
        "DeleteSnapshot" => delete_snapshot(cloud, params, ctx),
        "ModifySnapshotAttribute" => modify_snapshot_attribute(cloud, params, ctx),
        "DescribeDisks" => describe_disks(cloud, params),
        _ => Err(
            ApiError::new("InvalidAction.NotFound", "Specified api is not found.").with_status(404),
        ),
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if alibaba_name_ok(name, 2, 128, &[':']) {
        Ok(())
    } else {
        Err(invalid(
            "SnapshotName",
            "The snapshot name must be 2 to 128 characters, start with a letter, contain only letters, digits, colons, underscores and hyphens, and not start with auto, http:// or https://.",
        ))
    }
}

fn check_description(description: &str) -> Result<(), ApiError> {
    let lower = description.to_ascii_lowercase();
    let count = description.chars().count();
    if (2..=256).contains(&count) && !lower.starts_with("http://") && !lower.starts_with("https://")
    {
        Ok(())
    } else {
        Err(invalid(
            "Description",
            "The description must be 2 to 256 characters and not start with http:// or https://.",
        ))
    }
}

/// A single ID or a JSON array string of IDs (`["a","b"]`).
fn id_list(name: &str, value: &str) -> Result<Vec<String>, ApiError> {
    let value = value.trim();
    if value.starts_with('[') {
        serde_json::from_str::<Vec<String>>(value).map_err(|_| {
            invalid(
                name,
                format!("{name} must be an ID or a JSON array of IDs."),
            )
        })
    } else if value.is_empty() {
        Ok(Vec::new())
    } else {
        Ok(value.split(',').map(|id| id.trim().to_owned()).collect())
    }
}

/// `PageNumber` (≥ 1, default 1) and `PageSize` (1..=max, default 10).
fn page_numbers(params: Flat<'_>, max: i64) -> Result<(i64, i64), ApiError> {
    let number = params
        .integer("PageNumber", "InvalidParameter.PageNumber")?
        .unwrap_or(1);
    let size = params
        .integer("PageSize", "InvalidParameter.PageSize")?
        .unwrap_or(10);
    if number < 1 {
        return Err(invalid("PageNumber", "PageNumber must be at least 1."));
    }
    if !(1..=max).contains(&size) {
        return Err(invalid(
            "PageSize",
            format!("PageSize must be between 1 and {max}."),
        ));
    }
    Ok((number, size))
}

/// The offset and limit of page `number` of `size` items.
fn page_bounds(number: i64, size: i64) -> (usize, usize) {
    (
        usize::try_from((number - 1) * size).unwrap_or(usize::MAX),
        usize::try_from(size).unwrap_or(100),
    )
}

fn create_snapshot(
    cloud: &mut Cloud,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let disk_id = params.required("DiskId", "MissingParameter")?;
    let ens_region = params.required("EnsRegionId", "MissingParameter")?;
    let name = params.get("SnapshotName").unwrap_or("");
    if !name.is_empty() {
        check_name(name)?;
    }
    let description = params.get("Description").unwrap_or("");
    if !description.is_empty() {
        check_description(description)?;
    }
    if let Some(cycle) = params.get("InstanceBillingCycle")
        && !matches!(cycle, "Hour" | "Day" | "Month" | "")
    {
        return Err(invalid(
            "InstanceBillingCycle",
            "InstanceBillingCycle must be Hour, Day or Month.",
        ));
    }
    let disk = cloud
        .ens_disk(ens_region, disk_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                "InvalidDiskId.NotFound",
                format!("The specified disk `{disk_id}` does not exist in `{ens_region}`."),
            )
        })?;
    let snapshots: Vec<&Resource> = cloud.children(disk_id).collect();
    if let Some(busy) = snapshots.iter().find(|child| child.is_creating(ctx.now_ms)) {
        return Err(ApiError::new(
            "IncorrectDiskStatus.CreatingSnapshot",
            format!("The disk is creating snapshot `{}`.", busy.id),
        ));
    }
    if snapshots.len() >= disk.snapshot_quota as usize {
        return Err(ApiError::new(
            "QuotaExceed.Snapshot",
            format!(
                "The disk has reached its quota of {} snapshots.",
                disk.snapshot_quota
            ),
        ));
    }
    let id = cloud.new_id("sp-", 24, ctx.rng);
    let mut snapshot = cloud.new_resource(
        ResourceType::EnsSnapshot,
        id.clone(),
        ens_region,
        vec![disk_id.to_owned()],
        ctx,
    );
    snapshot.name = name.to_owned();
    snapshot.description = description.to_owned();
    snapshot.disk_size = disk.size;
    snapshot.disk_type = disk.disk_type.clone();
    snapshot.instance_id = disk.instance_id.clone().unwrap_or_default();
    cloud.insert(snapshot);
    let order_id = format!("{:015}", 210_000_000_000_000u64 + cloud_order_suffix(&id));
    Ok(object([
        ("SnapShotId", json!([id])),
        ("OrderId", json!(order_id)),
    ]))
}

/// A stable number derived from the snapshot ID, so order IDs differ per snapshot.
fn cloud_order_suffix(id: &str) -> u64 {
    id.bytes().fold(0u64, |acc, byte| {
        acc.wrapping_mul(31).wrapping_add(u64::from(byte))
    }) % 10_000_000_000
}

fn snapshot_json(snapshot: &Resource, cloud: &Cloud, now: i64) -> Value {
    let category = cloud
        .ens_disk(&snapshot.region, &snapshot.parents[0])
        .map_or("cloud_efficiency", |disk| disk.category.as_str());
    json!({
        "SnapshotId": snapshot.id,
        "SnapshotName": snapshot.name,
        "Description": snapshot.description,
        "Status": snapshot.status(now),
        "CreationTime": iso_time(snapshot.created_ms),
        "Size": (u64::from(snapshot.disk_size) * 1024).to_string(),
        "SourceDiskId": snapshot.parents[0],
        "SourceDiskType": if snapshot.disk_type == "system" { "1" } else { "2" },
        "SourceDiskCategory": category,
        "EnsRegionId": snapshot.region,
        "SourceEnsRegionId": snapshot.region,
        "SnapshotType": "user",
    })
}

fn describe_snapshots(
    cloud: &mut Cloud,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let (number, size) = page_numbers(params, 100)?;
    let ids = match params.get("SnapshotId") {
        Some(value) => Some(id_list("SnapshotId", value)?).filter(|ids| !ids.is_empty()),
        None => None,
    };
    if ids.as_ref().is_some_and(|ids| ids.len() > 100) {
        return Err(invalid(
            "SnapshotId",
            "At most 100 snapshot IDs can be given.",
        ));
    }
    let mut regions: Vec<String> = match params.get("EnsRegionIds") {
        Some(value) => id_list("EnsRegionIds", value)?,
        None => Vec::new(),
    };
    if regions.len() > 100 {
        return Err(invalid(
            "EnsRegionIds",
            "At most 100 edge regions can be given.",
        ));
    }
    if let Some(region) = params
        .get("EnsRegionId")
        .filter(|region| !region.is_empty())
    {
        regions.push(region.to_owned());
    }
    let disk_id = params.get("DiskId").filter(|id| !id.is_empty());
    let instance_id = params.get("InstanceId").filter(|id| !id.is_empty());
    let name = params.get("SnapshotName").filter(|name| !name.is_empty());
    let now = ctx.now_ms;
    let id_refs: Option<Vec<&str>> = ids
        .as_ref()
        .map(|ids| ids.iter().map(String::as_str).collect());
    let disk_ref = disk_id.map(|id| [id]);
    let among = match (&id_refs, &disk_ref) {
        (Some(ids), _) => Among::Ids(ids),
        (None, Some(disk)) => Among::ChildrenOf(disk),
        (None, None) => Among::All,
    };
    let matched: Vec<&Resource> = cloud
        .listed_among(ResourceType::EnsSnapshot, None, now, among)
        .into_iter()
        .filter(|snapshot| regions.is_empty() || regions.contains(&snapshot.region))
        .filter(|snapshot| disk_id.is_none_or(|id| id == snapshot.parents[0]))
        .filter(|snapshot| instance_id.is_none_or(|id| id == snapshot.instance_id))
        .filter(|snapshot| name.is_none_or(|name| name == snapshot.name))
        .collect();
    let (offset, limit) = page_bounds(number, size);
    let snapshots: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|snapshot| snapshot_json(snapshot, cloud, now))
        .collect();
    Ok(object([
        ("Snapshots", Value::Array(snapshots)),
        ("PageNumber", json!(number)),
        ("PageSize", json!(size)),
        ("TotalCount", json!(matched.len())),
    ]))
}

fn find_snapshot<'a>(
    cloud: &'a Cloud,
    id: &str,
    now: i64,
    code: &str,
) -> Result<&'a Resource, ApiError> {
    cloud
        .live(ResourceType::EnsSnapshot, id, now)
        .ok_or_else(|| ApiError::new(code, format!("The snapshot `{id}` does not exist.")))
}

fn delete_snapshot(
    cloud: &mut Cloud,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let id = params.required("SnapshotId", "MissingParameter")?;
    let snapshot = find_snapshot(cloud, id, ctx.now_ms, "ERROR_SNAPSHOT_NOT_FOUND")?;
    match snapshot.phase(ctx.now_ms) {
        Phase::Creating { .. } => Err(ApiError::new(
            "DISK_SNAPSHOT_STATUS_NOT_MATCH",
            format!("The snapshot `{id}` is being created and cannot be deleted."),
        )),
        Phase::Deleting => Ok(Map::new()),
        _ => {
            cloud.start_deletion(id, ctx);
            Ok(Map::new())
        }
    }
}

fn modify_snapshot_attribute(
    cloud: &mut Cloud,
    params: Flat<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let id = params.required("SnapshotId", "MissingParameter")?;
    let name = params.get("SnapshotName").filter(|name| !name.is_empty());
    let description = params.get("Description").filter(|text| !text.is_empty());
    if let Some(name) = name {
        check_name(name)?;
    }
    if let Some(description) = description {
        check_description(description)?;
    }
    let snapshot = find_snapshot(cloud, id, ctx.now_ms, "SnapshotIdNotFound")?;
    if snapshot.deleting.is_some() {
        return Err(ApiError::new(
            "SnapshotIdNotFound",
            format!("The snapshot `{id}` does not exist."),
        ));
    }
    cloud.update(id, |snapshot| {
        if let Some(name) = name {
            snapshot.name = name.to_owned();
        }
        if let Some(description) = description {
            snapshot.description = description.to_owned();
        }
    });
    Ok(Map::new())
}

fn describe_disks(cloud: &mut Cloud, params: Flat<'_>) -> Result<Map<String, Value>, ApiError> {
    let (number, size) = page_numbers(params, 100)?;
    let mut regions: Vec<String> = match params.get("EnsRegionIds") {
        Some(value) => id_list("EnsRegionIds", value)?,
        None => Vec::new(),
    };
    if let Some(region) = params
        .get("EnsRegionId")
        .filter(|region| !region.is_empty())
    {
        regions.push(region.to_owned());
    }
    let mut ids: Vec<String> = match params.get("DiskIds") {
        Some(value) => id_list("DiskIds", value)?,
        None => Vec::new(),
    };
    if let Some(id) = params.get("DiskId").filter(|id| !id.is_empty()) {
        ids.push(id.to_owned());
    }
    let kind = params.get("Type").filter(|kind| !kind.is_empty());
    let category = params
        .get("Category")
        .filter(|category| !category.is_empty());
    let status = params.get("Status").filter(|status| !status.is_empty());
    // By ID, only the disks named are looked at; the answer keeps the inventory's order.
    let matched: Vec<(&String, &EnsDisk)> = cloud
        .inventory()
        .alicloud
        .ens
        .iter()
        .filter(|(region, _)| regions.is_empty() || regions.contains(region))
        .flat_map(|(region, edge)| {
            let disks: Vec<&EnsDisk> = if ids.is_empty() {
                edge.disks.iter().collect()
            } else {
                cloud.ens_disks_among(region, &ids)
            };
            disks.into_iter().map(move |disk| (region, disk))
        })
        .filter(|(_, disk)| kind.is_none_or(|kind| kind == disk.disk_type))
        .filter(|(_, disk)| category.is_none_or(|category| category == disk.category))
        .filter(|(_, disk)| status.is_none_or(|status| status == disk_status(disk)))
        .collect();
    let (offset, limit) = page_bounds(number, size);
    let disks: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|(region, disk)| {
            json!({
                "DiskId": disk.id,
                "DiskName": disk.name.as_deref().unwrap_or(&disk.id),
                "EnsRegionId": region,
                "Size": u64::from(disk.size) * 1024,
                "Category": disk.category,
                "Type": disk.disk_type,
                "Status": disk_status(disk),
                "InstanceId": disk.instance_id.as_deref().unwrap_or(""),
                "CreationTime": "2024-01-01T00:00:00Z",
                "DiskChargeType": "postpay",
                "Portable": disk.disk_type != "system",
                "Encrypted": false,
                "DeleteWithInstance": false,
            })
        })
        .collect();
    Ok(object([
        ("Disks", json!({"Disks": disks})),
        ("PageNumber", json!(number)),
        ("PageSize", json!(size)),
        ("TotalCount", json!(matched.len())),
    ]))
}

fn disk_status(disk: &EnsDisk) -> &'static str {
    if disk.instance_id.is_some() {
        "In-use"
    } else {
        "Available"
    }
}
