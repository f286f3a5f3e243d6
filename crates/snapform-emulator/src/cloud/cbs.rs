//! Tencent CBS `2017-03-12`: disk backup points (`dbp-`), snapshot groups (`csnap-`), disks.

use serde_json::{Map, Value, json};

use super::{
    Among, Cloud, Ctx, ResourceType, has_duplicates, id_like, object, page, tencent_page,
    tencent_time,
};
use crate::api::ApiError;
use crate::inventory::CbsDisk;
use crate::params::{Filter, TcParams, missing};

pub(super) fn handle(
    cloud: &mut Cloud,
    region: &str,
    action: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    match action {
        "CreateDiskBackup" => create_disk_backup(cloud, region, params, ctx),
        "DescribeDiskBackups" => describe_disk_backups(cloud, region, params, ctx),
        "DeleteDiskBackups" => delete_disk_backups(cloud, region, params, ctx),
        "CreateSnapshotGroup" => create_snapshot_group(cloud, region, params, ctx),
        "DescribeSnapshotGroups" => describe_snapshot_groups(cloud, region, params, ctx),
        "DeleteSnapshotGroup" => delete_snapshot_group(cloud, region, params, ctx),
        "DescribeSnapshots" => describe_snapshots(cloud, region, params, ctx),
        "DescribeDisks" => describe_disks(cloud, region, params, ctx),
        _ => Err(ApiError::new(
            "InvalidAction",
            format!("The action `{action}` does not exist."),
        )),
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameter", message)
}

/// `InvalidFilter` for a filter name outside `known`.
fn check_filter_names(filters: &[Filter], known: &[&str]) -> Result<(), ApiError> {
    match filters
        .iter()
        .find(|filter| !known.contains(&filter.name.as_str()))
    {
        Some(filter) => Err(ApiError::new(
            "InvalidFilter",
            format!("The filter `{}` is not supported.", filter.name),
        )),
        None => Ok(()),
    }
}

/// The `Ids` or the `Filters` of a Describe call.
type Selection<'p> = (Option<Vec<&'p str>>, Option<Vec<Filter>>);

/// An ID list (at most 100) or filters, never both, as CBS's Describe actions take them.
fn ids_or_filters<'p>(params: &'p TcParams<'_>, ids_name: &str) -> Result<Selection<'p>, ApiError> {
    let ids = params.string_list(ids_name)?;
    let filters = params.filters()?;
    if ids.is_some() && filters.is_some() {
        return Err(invalid(format!(
            "`{ids_name}` and `Filters` cannot be specified together."
        )));
    }
    if ids.as_ref().is_some_and(|ids| ids.len() > 100) {
        return Err(invalid(format!("At most 100 `{ids_name}` can be given.")));
    }
    Ok((ids, filters))
}

/// `Order` (`ASC`, the default, or `DESC`) by `OrderField` `CREATE_TIME`: whether the answer
/// lists the newest first.
fn newest_first(params: &TcParams<'_>) -> Result<bool, ApiError> {
    let descending = match params.string("Order")?.unwrap_or("ASC") {
        "ASC" => false,
        "DESC" => true,
        other => {
            return Err(invalid(format!(
                "`Order` must be ASC or DESC, not `{other}`."
            )));
        }
    };
    if let Some(field) = params.string("OrderField")?
        && field != "CREATE_TIME"
    {
        return Err(invalid(format!(
            "`OrderField` must be CREATE_TIME, not `{field}`."
        )));
    }
    Ok(descending)
}

fn cbs_page(params: &TcParams<'_>) -> Result<(usize, usize), ApiError> {
    tencent_page(params, |_| "InvalidParameter")
}

fn disk_not_found(disk_id: &str) -> ApiError {
    ApiError::new(
        "InvalidDiskId.NotFound",
        format!("The disk `{disk_id}` does not exist."),
    )
}

/// The disk, or the not-found answer. A malformed ID is `InvalidParameter`.
fn find_disk<'a>(cloud: &'a Cloud, region: &str, disk_id: &str) -> Result<&'a CbsDisk, ApiError> {
    if !id_like(disk_id, "disk-", Some(8)) {
        return Err(invalid(format!(
            "The disk ID `{disk_id}` is malformed; expected `disk-xxxxxxxx`."
        )));
    }
    cloud
        .cbs_disk(region, disk_id)
        .ok_or_else(|| disk_not_found(disk_id))
}

/// The busy answer when the disk has a backup point or a snapshot being created.
fn check_disk_idle(
    cloud: &Cloud,
    disk_id: &str,
    now_ms: i64,
    snapshot_code: &str,
    backup_code: &str,
) -> Result<(), ApiError> {
    for child in cloud.children(disk_id) {
        if !child.is_creating(now_ms) {
            continue;
        }
        return Err(match child.kind {
            ResourceType::CbsSnapshotGroup => ApiError::new(
                snapshot_code,
                format!("The disk `{disk_id}` has a snapshot being created."),
            ),
            _ => ApiError::new(
                backup_code,
                format!(
                    "The disk `{disk_id}` is busy: backup point `{}` is being created.",
                    child.id
                ),
            ),
        });
    }
    Ok(())
}

fn create_disk_backup(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["DiskId", "DiskBackupName"])?;
    let disk_id = params.required_string("DiskId")?;
    let name = params.string("DiskBackupName")?.unwrap_or("");
    if name.chars().count() > 100 {
        return Err(invalid("`DiskBackupName` must be at most 100 characters."));
    }
    let disk = find_disk(cloud, region, disk_id)?.clone();
    let used = cloud
        .children(disk_id)
        .filter(|child| child.kind == ResourceType::CbsDiskBackup)
        .count();
    if used >= disk.backup_quota as usize {
        return Err(ApiError::new(
            "ResourceInsufficient.OverQuota",
            format!(
                "The disk `{disk_id}` has used {used} of its {} backup points.",
                disk.backup_quota
            ),
        ));
    }
    check_disk_idle(
        cloud,
        disk_id,
        ctx.now_ms,
        "ResourceUnavailable.SnapshotCreating",
        "InvalidDisk.Busy",
    )?;
    let id = cloud.new_id("dbp-", 8, ctx.rng);
    let mut backup = cloud.new_resource(
        ResourceType::CbsDiskBackup,
        id.clone(),
        region,
        vec![disk_id.to_owned()],
        ctx,
    );
    backup.name = name.to_owned();
    backup.disk_size = disk.disk_size;
    backup.disk_type = disk.disk_usage.clone();
    cloud.insert(backup);
    Ok(object([("DiskBackupId", json!(id))]))
}

fn describe_disk_backups(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&[
        "DiskBackupIds",
        "Filters",
        "Offset",
        "Limit",
        "Order",
        "OrderField",
    ])?;
    let (ids, filters) = ids_or_filters(&params, "DiskBackupIds")?;
    let (offset, limit) = cbs_page(&params)?;
    let descending = newest_first(&params)?;
    check_filter_names(
        filters.as_deref().unwrap_or_default(),
        &["disk-backup-id", "disk-id", "disk-usage"],
    )?;
    let now = ctx.now_ms;
    let by_disk: Option<Vec<&str>> = filters
        .iter()
        .flatten()
        .find(|filter| filter.name == "disk-id")
        .map(|filter| filter.values.iter().map(String::as_str).collect());
    let among = match (&ids, &by_disk) {
        (Some(ids), _) => Among::Ids(ids),
        (None, Some(disks)) => Among::ChildrenOf(disks),
        (None, None) => Among::All,
    };
    let mut matched: Vec<_> = cloud
        .listed_among(ResourceType::CbsDiskBackup, Some(region), now, among)
        .into_iter()
        .filter(|backup| {
            filters.iter().flatten().all(|filter| {
                let field = match filter.name.as_str() {
                    "disk-backup-id" => &backup.id,
                    "disk-id" => &backup.parents[0],
                    _ => &backup.disk_type,
                };
                filter.values.iter().any(|value| value == field)
            })
        })
        .collect();
    if descending {
        matched.reverse();
    }
    let set: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|backup| {
            json!({
                "DiskBackupId": backup.id,
                "DiskId": backup.parents[0],
                "DiskSize": backup.disk_size,
                "DiskUsage": backup.disk_type,
                "DiskBackupName": backup.name,
                "DiskBackupState": backup.status(now),
                "Percent": backup.percent(now),
                "CreateTime": tencent_time(backup.created_ms),
                "Encrypt": false,
            })
        })
        .collect();
    Ok(object([
        ("TotalCount", json!(matched.len())),
        ("DiskBackupSet", Value::Array(set)),
    ]))
}

fn delete_disk_backups(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["DiskBackupIds"])?;
    let ids = params.required_string_list("DiskBackupIds")?;
    if ids.len() > 100 {
        return Err(invalid("At most 100 `DiskBackupIds` can be given."));
    }
    for id in &ids {
        let backup = cloud
            .live_in(ResourceType::CbsDiskBackup, region, id, ctx.now_ms)
            .filter(|backup| backup.deleting.is_none())
            .ok_or_else(|| {
                ApiError::new(
                    "ResourceNotFound.NotFound",
                    format!("The disk backup point `{id}` does not exist."),
                )
            })?;
        if backup.is_creating(ctx.now_ms) {
            return Err(ApiError::new(
                "ResourceBusy",
                format!("The disk backup point `{id}` is being created."),
            ));
        }
    }
    for id in ids {
        cloud.start_deletion(id, ctx);
    }
    Ok(Map::new())
}

fn create_snapshot_group(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["DiskIds", "SnapshotGroupName", "Tags"])?;
    let disk_ids = params.required_string_list("DiskIds")?;
    let name = params.string("SnapshotGroupName")?.unwrap_or("");
    if name.chars().count() > 128 {
        return Err(ApiError::new(
            "InvalidParameterValue",
            "`SnapshotGroupName` must be at most 128 characters.",
        ));
    }
    let tags = params.tags()?;
    if has_duplicates(&disk_ids) {
        return Err(ApiError::new(
            "InvalidParameterValue",
            "`DiskIds` contains duplicates.",
        ));
    }
    let mut disks = Vec::new();
    for disk_id in &disk_ids {
        disks.push(find_disk(cloud, region, disk_id)?.clone());
    }
    let instance = disks[0].instance_id.clone();
    if instance.is_none() || disks.iter().any(|disk| disk.instance_id != instance) {
        return Err(invalid(
            "The disks of a snapshot group must all be attached to the same instance.",
        ));
    }
    for disk_id in &disk_ids {
        check_disk_idle(
            cloud,
            disk_id,
            ctx.now_ms,
            "InvalidDisk.SnapshotCreating",
            "ResourceInUse",
        )?;
    }
    let quota = cloud
        .inventory()
        .tencentcloud
        .get(region)
        .map_or(0, |region| region.snapshot_quota as usize);
    let used = cloud.group_members(region);
    if used + disk_ids.len() > quota {
        return Err(ApiError::new(
            "InsufficientSnapshotQuota",
            format!("Insufficient snapshot quota: {used} of {quota} snapshots are used."),
        ));
    }
    let id = cloud.new_id("csnap-", 8, ctx.rng);
    let members: Vec<String> = disk_ids
        .iter()
        .map(|_| cloud.new_id("snap-", 8, ctx.rng))
        .collect();
    let mut group = cloud.new_resource(
        ResourceType::CbsSnapshotGroup,
        id.clone(),
        region,
        disk_ids.iter().map(|disk| (*disk).to_owned()).collect(),
        ctx,
    );
    group.name = name.to_owned();
    group.tags = tags;
    group.member_ids = members;
    group.disk_type = if disks.iter().any(|disk| disk.disk_usage == "SYSTEM_DISK") {
        "SYSTEM_DISK".to_owned()
    } else {
        "DATA_DISK".to_owned()
    };
    cloud.insert(group);
    Ok(object([("SnapshotGroupId", json!(id))]))
}

fn describe_snapshot_groups(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["Filters", "Offset", "Limit"])?;
    let filters = params.filters()?.unwrap_or_default();
    check_filter_names(
        &filters,
        &[
            "snapshot-group-id",
            "snapshot-group-state",
            "snapshot-group-name",
            "snapshot-id",
        ],
    )?;
    let (offset, limit) = cbs_page(&params)?;
    let now = ctx.now_ms;
    // A `snapshot-group-id` filter (how refresh and readiness polls read groups, 100 at a
    // time) names every group that can match: only those are looked at.
    // A `snapshot-id` filter (how lookups find a group by its members) names them through
    // their members.
    let named: Option<Vec<&str>> = filters
        .iter()
        .find(|filter| filter.name == "snapshot-group-id")
        .map(|filter| filter.values.iter().map(String::as_str).collect())
        .or_else(|| {
            let filter = filters.iter().find(|filter| filter.name == "snapshot-id")?;
            Some(groups_of_members(cloud, &filter.values))
        });
    let among = named.as_deref().map_or(Among::All, Among::Ids);
    let matched: Vec<_> = cloud
        .listed_among(ResourceType::CbsSnapshotGroup, Some(region), now, among)
        .into_iter()
        .filter(|group| {
            filters.iter().all(|filter| {
                filter
                    .values
                    .iter()
                    .any(|value| match filter.name.as_str() {
                        "snapshot-group-id" => *value == group.id,
                        "snapshot-group-state" => *value == group.status(now),
                        "snapshot-group-name" => *value == group.name,
                        _ => group.member_ids.contains(value),
                    })
            })
        })
        .collect();
    let set: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|group| {
            json!({
                "SnapshotGroupId": group.id,
                "SnapshotGroupType": "NORMAL",
                "ContainRootSnapshot": group.disk_type == "SYSTEM_DISK",
                "SnapshotIdSet": group.member_ids,
                "SnapshotGroupState": group.status(now),
                "Percent": group.percent(now),
                "CreateTime": tencent_time(group.created_ms),
                "ModifyTime": tencent_time(group.created_ms),
                "Images": [],
                "ImageCount": 0,
                "SnapshotGroupName": group.name,
                "IsPermanent": true,
                "DeadlineTime": null,
                "AutoSnapshotPolicyId": null,
            })
        })
        .collect();
    Ok(object([
        ("TotalCount", json!(matched.len())),
        ("SnapshotGroupSet", Value::Array(set)),
    ]))
}

/// CBS snapshots. The emulator makes snapshots only as members of snapshot groups: member
/// `i` of a group snapshots its `i`-th disk and is named `{group name}_{i}`.
fn describe_snapshots(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&[
        "SnapshotIds",
        "Filters",
        "Offset",
        "Limit",
        "Order",
        "OrderField",
    ])?;
    let (ids, filters) = ids_or_filters(&params, "SnapshotIds")?;
    let filters = filters.unwrap_or_default();
    check_filter_names(
        &filters,
        &[
            "snapshot-id",
            "disk-id",
            "snapshot-name",
            "snapshot-state",
            "disk-usage",
        ],
    )?;
    let (offset, limit) = cbs_page(&params)?;
    let descending = newest_first(&params)?;
    let now = ctx.now_ms;
    // Snapshots named by ID, or by a `snapshot-id` or `disk-id` filter, are looked for only in
    // the groups that hold them.
    let named_snapshots = ids.as_deref().map(<[&str]>::to_vec).or_else(|| {
        let filter = filters.iter().find(|filter| filter.name == "snapshot-id")?;
        Some(filter.values.iter().map(String::as_str).collect())
    });
    let named_groups: Option<Vec<&str>> = named_snapshots.map(|members| {
        let members: Vec<String> = members.into_iter().map(str::to_owned).collect();
        groups_of_members(cloud, &members)
    });
    let disk_filter: Option<Vec<&str>> = filters
        .iter()
        .find(|filter| filter.name == "disk-id")
        .map(|filter| filter.values.iter().map(String::as_str).collect());
    let among = match (&named_groups, &disk_filter) {
        (Some(groups), _) => Among::Ids(groups),
        (None, Some(disks)) => Among::ChildrenOf(disks),
        (None, None) => Among::All,
    };
    let mut snapshots: Vec<(i64, Value)> = Vec::new();
    for group in cloud.listed_among(ResourceType::CbsSnapshotGroup, Some(region), now, among) {
        for (index, (snapshot_id, disk_id)) in
            group.member_ids.iter().zip(&group.parents).enumerate()
        {
            let disk = cloud.cbs_disk(region, disk_id);
            let usage = disk.map_or("DATA_DISK", |disk| disk.disk_usage.as_str());
            let name = format!("{}_{index}", group.name);
            let state = group.status(now);
            let selected = ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&snapshot_id.as_str()))
                && filters.iter().all(|filter| {
                    let field = match filter.name.as_str() {
                        "snapshot-id" => snapshot_id.as_str(),
                        "disk-id" => disk_id.as_str(),
                        "snapshot-name" => name.as_str(),
                        "snapshot-state" => state.as_str(),
                        _ => usage,
                    };
                    filter.values.iter().any(|value| value == field)
                });
            if selected {
                snapshots.push((
                    group.created_ms,
                    json!({
                        "SnapshotId": snapshot_id,
                        "Placement": {"Zone": format!("{region}-3"), "ProjectId": 0},
                        "DiskUsage": usage,
                        "DiskId": disk_id,
                        "DiskSize": disk.map_or(50, |disk| disk.disk_size),
                        "SnapshotState": state,
                        "SnapshotName": name,
                        "Percent": group.percent(now),
                        "CreateTime": tencent_time(group.created_ms),
                        "DeadlineTime": null,
                        "Encrypt": false,
                        "IsPermanent": true,
                        "CopyingToRegions": [],
                        "CopyFromRemote": false,
                        "Images": [],
                        "ImageCount": 0,
                        "SnapshotType": "PRIVATE_SNAPSHOT",
                        "ShareReference": 0,
                        "TimeStartShare": null,
                    }),
                ));
            }
        }
    }
    snapshots.sort_by_key(|(created, _)| *created);
    if descending {
        snapshots.reverse();
    }
    let snapshots: Vec<Value> = snapshots
        .into_iter()
        .map(|(_, snapshot)| snapshot)
        .collect();
    Ok(object([
        ("TotalCount", json!(snapshots.len())),
        ("SnapshotSet", Value::Array(page(&snapshots, offset, limit))),
    ]))
}

fn delete_snapshot_group(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["SnapshotGroupId", "SnapshotGroupIds", "DeleteBindImages"])?;
    let mut ids: Vec<&str> = params.string("SnapshotGroupId")?.into_iter().collect();
    ids.extend(params.string_list("SnapshotGroupIds")?.unwrap_or_default());
    params.boolean("DeleteBindImages")?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(missing("SnapshotGroupId"));
    }
    for id in &ids {
        let group = cloud
            .live_in(ResourceType::CbsSnapshotGroup, region, id, ctx.now_ms)
            .ok_or_else(|| {
                ApiError::new(
                    "InvalidSnapshotId.NotFound",
                    format!("The snapshot group `{id}` does not exist."),
                )
            })?;
        if group.is_creating(ctx.now_ms) {
            return Err(ApiError::new(
                "UnsupportedOperation.StateError",
                format!("The snapshot group `{id}` is being created and cannot be deleted."),
            ));
        }
    }
    for id in ids {
        cloud.remove(id);
    }
    Ok(Map::new())
}

fn describe_disks(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&[
        "DiskIds",
        "Filters",
        "Offset",
        "Limit",
        "Order",
        "OrderField",
        "ReturnBindAutoSnapshotPolicy",
    ])?;
    let (ids, filters) = ids_or_filters(&params, "DiskIds")?;
    check_filter_names(
        filters.as_deref().unwrap_or_default(),
        &[
            "disk-id",
            "instance-id",
            "disk-usage",
            "disk-name",
            "disk-state",
        ],
    )?;
    let (offset, limit) = cbs_page(&params)?;
    // By ID, only the disks named are looked at (a fleet's preflight asks for all of them,
    // 100 at a time); the answer keeps the inventory's order either way.
    let disks: Vec<&CbsDisk> = match &ids {
        Some(ids) => cloud.cbs_disks_among(region, ids),
        None => cloud
            .inventory()
            .tencentcloud
            .get(region)
            .map(|region| region.disks.iter().collect())
            .unwrap_or_default(),
    };
    let matched: Vec<&CbsDisk> = disks
        .into_iter()
        .filter(|disk| {
            filters.iter().flatten().all(|filter| {
                let state = if disk.instance_id.is_some() {
                    "ATTACHED"
                } else {
                    "UNATTACHED"
                };
                let field = match filter.name.as_str() {
                    "disk-id" => disk.id.as_str(),
                    "instance-id" => disk.instance_id.as_deref().unwrap_or(""),
                    "disk-usage" => disk.disk_usage.as_str(),
                    "disk-name" => disk.name.as_deref().unwrap_or(&disk.id),
                    _ => state,
                };
                filter.values.iter().any(|value| value == field)
            })
        })
        .collect();
    let now = ctx.now_ms;
    let set: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|disk| {
            let backups = cloud
                .children(&disk.id)
                .filter(|child| child.kind == ResourceType::CbsDiskBackup)
                .count();
            let snapshots = cloud
                .children(&disk.id)
                .filter(|child| child.kind == ResourceType::CbsSnapshotGroup)
                .count();
            let busy = cloud.children(&disk.id).any(|child| child.is_creating(now));
            json!({
                "DiskId": disk.id,
                "DiskName": disk.name.as_deref().unwrap_or(&disk.id),
                "DiskUsage": disk.disk_usage,
                "DiskType": "CLOUD_PREMIUM",
                "DiskSize": disk.disk_size,
                "DiskState": if disk.instance_id.is_some() { "ATTACHED" } else { "UNATTACHED" },
                "Attached": disk.instance_id.is_some(),
                "InstanceId": disk.instance_id.as_deref().unwrap_or(""),
                "InstanceIdList": [],
                "InstanceType": "CVM",
                "DiskChargeType": "POSTPAID_BY_HOUR",
                "Placement": {"Zone": format!("{region}-3"), "ProjectId": 0},
                "Portable": disk.disk_usage != "SYSTEM_DISK",
                "SnapshotAbility": true,
                "SnapshotCount": snapshots,
                "SnapshotSize": 0,
                "DiskBackupQuota": disk.backup_quota,
                "DiskBackupCount": backups,
                "Encrypt": false,
                "Rollbacking": false,
                "Migrating": false,
                "Shareable": false,
                "BackupDisk": false,
                "DeleteWithInstance": disk.instance_id.is_some(),
                "RenewFlag": "",
                "Tags": [],
                "CreateTime": "2024-01-01 00:00:00",
                "DeadlineTime": "",
                "ErrorPrompt": if busy { "snapshot creating" } else { "" },
            })
        })
        .collect();
    Ok(object([
        ("TotalCount", json!(matched.len())),
        ("DiskSet", Value::Array(set)),
    ]))
}

/// The IDs of the snapshot groups that hold these member snapshots, each once.
fn groups_of_members<'c>(cloud: &'c Cloud, members: &[String]) -> Vec<&'c str> {
    let mut groups: Vec<&str> = members
        .iter()
        .filter_map(|member| cloud.group_of_member(member))
        .map(|group| group.id.as_str())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    groups
}
