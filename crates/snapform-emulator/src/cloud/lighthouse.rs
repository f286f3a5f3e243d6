//! Tencent Lighthouse `2020-03-24`: instance (system disk) snapshots (`lhsnap-`), instances.

use serde_json::{Map, Value, json};

use super::{
    Among, Cloud, Ctx, Resource, ResourceType, has_duplicates, id_like, iso_time, object, page,
    tencent_page,
};
use crate::api::ApiError;
use crate::inventory::LighthouseInstance;
use crate::params::{Filter, Tag, TcParams};

pub(super) fn handle(
    cloud: &mut Cloud,
    region: &str,
    action: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    match action {
        "CreateInstanceSnapshot" => create_instance_snapshot(cloud, region, params, ctx),
        "DescribeSnapshots" => describe_snapshots(cloud, region, params, ctx),
        "DeleteSnapshots" => delete_snapshots(cloud, region, params, ctx),
        "ModifySnapshotAttribute" => modify_snapshot_attribute(cloud, region, params, ctx),
        "DescribeInstances" => describe_instances(cloud, region, params),
        _ => Err(ApiError::new(
            "InvalidAction",
            format!("The action `{action}` does not exist."),
        )),
    }
}

fn page_codes(kind: &str) -> &'static str {
    match kind {
        "negative" => "InvalidParameterValue.Negative",
        _ => "InvalidParameterValue.OutOfRange",
    }
}

fn check_instance_id(instance_id: &str) -> Result<(), ApiError> {
    if id_like(instance_id, "lhins-", Some(8)) {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidParameterValue.InstanceIdMalformed",
            format!("The instance ID `{instance_id}` is malformed."),
        ))
    }
}

fn check_snapshot_id(snapshot_id: &str) -> Result<(), ApiError> {
    if id_like(snapshot_id, "lhsnap-", Some(8)) {
        Ok(())
    } else {
        Err(ApiError::new(
            "InvalidParameterValue.SnapshotIdMalformed",
            format!("The snapshot ID `{snapshot_id}` is malformed."),
        ))
    }
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.chars().count() > 60 {
        return Err(ApiError::new(
            "InvalidParameterValue.SnapshotNameTooLong",
            "The snapshot name must be at most 60 characters.",
        ));
    }
    Ok(())
}

fn not_found(snapshot_id: &str) -> ApiError {
    ApiError::new(
        "ResourceNotFound.SnapshotIdNotFound",
        format!("The snapshot `{snapshot_id}` does not exist."),
    )
}

/// `lhdisk-` plus the instance's suffix: the system disk of an instance.
fn system_disk_id(instance_id: &str) -> String {
    format!("lhdisk-{}", instance_id.trim_start_matches("lhins-"))
}

fn create_instance_snapshot(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["InstanceId", "SnapshotName", "Tags"])?;
    let instance_id = params.required_string("InstanceId")?;
    check_instance_id(instance_id)?;
    let name = params.string("SnapshotName")?.unwrap_or("");
    check_name(name)?;
    let tags = params.tags()?;
    if tags.len() > 10 {
        return Err(ApiError::new(
            "InvalidParameterValue.TagsLimitExceeded",
            "At most 10 tags can be bound.",
        ));
    }
    let instance = cloud
        .lighthouse_instance(region, instance_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::new(
                "ResourceNotFound.InstanceIdNotFound",
                format!("The instance `{instance_id}` does not exist."),
            )
        })?;
    if !matches!(instance.state.as_str(), "RUNNING" | "STOPPED") {
        return Err(ApiError::new(
            "UnsupportedOperation.InvalidInstanceState",
            format!("The instance is in state `{}`.", instance.state),
        ));
    }
    let snapshots: Vec<&Resource> = cloud
        .children(instance_id)
        .filter(|child| child.kind == ResourceType::LighthouseSnapshot)
        .collect();
    if let Some(busy) = snapshots.iter().find(|child| child.is_creating(ctx.now_ms)) {
        return Err(ApiError::new(
            "UnsupportedOperation.LatestOperationUnfinished",
            format!(
                "The latest operation of the instance is unfinished: snapshot `{}` is being created.",
                busy.id
            ),
        ));
    }
    if snapshots.len() >= instance.snapshot_quota as usize {
        return Err(ApiError::new(
            "LimitExceeded.SnapshotQuotaLimitExceeded",
            format!(
                "The snapshot quota of the instance is exhausted ({} of {}).",
                snapshots.len(),
                instance.snapshot_quota
            ),
        ));
    }
    let id = cloud.new_id("lhsnap-", 8, ctx.rng);
    let mut snapshot = cloud.new_resource(
        ResourceType::LighthouseSnapshot,
        id.clone(),
        region,
        vec![instance_id.to_owned()],
        ctx,
    );
    snapshot.name = name.to_owned();
    snapshot.tags = tags;
    snapshot.disk_size = instance.disk_size;
    snapshot.disk_type = "SYSTEM_DISK".to_owned();
    cloud.insert(snapshot);
    Ok(object([("SnapshotId", json!(id))]))
}

/// The instance a snapshot was taken of: its only parent.
fn instance_of(snapshot: &Resource) -> &str {
    &snapshot.parents[0]
}

fn snapshot_json(snapshot: &Resource, now: i64) -> Value {
    let status = snapshot.status(now);
    let operation_state = if status == "FAILED" {
        "FAILED"
    } else if snapshot.is_creating(now) {
        "OPERATING"
    } else {
        "SUCCESS"
    };
    json!({
        "SnapshotId": snapshot.id,
        "DiskUsage": snapshot.disk_type,
        "DiskId": system_disk_id(instance_of(snapshot)),
        "DiskSize": snapshot.disk_size,
        "SnapshotName": snapshot.name,
        "SnapshotState": status,
        "Percent": snapshot.percent(now),
        "LatestOperation": "CreateInstanceSnapshot",
        "LatestOperationState": operation_state,
        "LatestOperationRequestId": snapshot.request_id,
        "CreatedTime": iso_time(snapshot.created_ms),
        "Tags": snapshot.tags,
    })
}

/// Whether `tags` match a `tag-key`, `tag-value` or `tag:<key>` filter value.
fn tag_matches(tags: &[Tag], filter_name: &str, value: &str) -> bool {
    match filter_name {
        "tag-key" => tags.iter().any(|tag| tag.key == value),
        "tag-value" => tags.iter().any(|tag| tag.value == value),
        name => {
            let key = name.trim_start_matches("tag:");
            tags.iter().any(|tag| tag.key == key && tag.value == value)
        }
    }
}

fn is_tag_filter(name: &str) -> bool {
    matches!(name, "tag-key" | "tag-value") || name.starts_with("tag:")
}

fn check_filters(filters: &[Filter]) -> Result<(), ApiError> {
    if filters.len() > 10 {
        return Err(ApiError::new(
            "InvalidParameter.FilterValueLimitExceeded",
            "At most 10 filters can be given.",
        ));
    }
    for filter in filters {
        if filter.values.len() > 5 {
            return Err(ApiError::new(
                "InvalidParameter.FilterValueLimitExceeded",
                format!("The filter `{}` has more than 5 values.", filter.name),
            ));
        }
    }
    Ok(())
}

fn describe_snapshots(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["SnapshotIds", "Filters", "Offset", "Limit"])?;
    let ids = params.string_list("SnapshotIds")?;
    let filters = params.filters()?;
    if ids.is_some() && filters.is_some() {
        return Err(ApiError::new(
            "InvalidParameter.ParameterConflict",
            "`SnapshotIds` and `Filters` cannot be specified at the same time.",
        ));
    }
    if let Some(ids) = &ids {
        if ids.len() > 100 {
            return Err(ApiError::new(
                "InvalidParameterValue.LimitExceeded",
                "At most 100 `SnapshotIds` can be given.",
            ));
        }
        for id in ids {
            check_snapshot_id(id)?;
        }
    }
    let filters = filters.unwrap_or_default();
    check_filters(&filters)?;
    for filter in &filters {
        let known = matches!(
            filter.name.as_str(),
            "snapshot-id" | "disk-id" | "snapshot-name" | "instance-id"
        ) || is_tag_filter(&filter.name);
        if !known {
            return Err(ApiError::new(
                "InvalidParameter.InvalidFilterInvalidKey",
                format!("The filter key `{}` is not valid.", filter.name),
            ));
        }
        if filter.name == "snapshot-id" {
            for value in &filter.values {
                check_snapshot_id(value)?;
            }
        }
        if filter.name == "instance-id" {
            for value in &filter.values {
                check_instance_id(value)?;
            }
        }
    }
    let (offset, limit) = tencent_page(&params, page_codes)?;
    let now = ctx.now_ms;
    let among = match &ids {
        Some(ids) => Among::Ids(ids),
        None => Among::All,
    };
    let matched: Vec<&Resource> = cloud
        .listed_among(ResourceType::LighthouseSnapshot, Some(region), now, among)
        .into_iter()
        .filter(|snapshot| {
            filters.iter().all(|filter| {
                filter
                    .values
                    .iter()
                    .any(|value| match filter.name.as_str() {
                        "snapshot-id" => *value == snapshot.id,
                        "disk-id" => *value == system_disk_id(instance_of(snapshot)),
                        "snapshot-name" => *value == snapshot.name,
                        "instance-id" => value == instance_of(snapshot),
                        name => tag_matches(&snapshot.tags, name, value),
                    })
            })
        })
        .collect();
    let set: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|snapshot| snapshot_json(snapshot, now))
        .collect();
    Ok(object([
        ("TotalCount", json!(matched.len())),
        ("SnapshotSet", Value::Array(set)),
    ]))
}

fn delete_snapshots(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["SnapshotIds"])?;
    let ids = params.required_string_list("SnapshotIds")?;
    if ids.len() > 10 {
        return Err(ApiError::new(
            "InvalidParameterValue.LimitExceeded",
            "At most 10 `SnapshotIds` can be deleted per call.",
        ));
    }
    if has_duplicates(&ids) {
        return Err(ApiError::new(
            "InvalidParameterValue.Duplicated",
            "`SnapshotIds` contains duplicate IDs.",
        ));
    }
    for id in &ids {
        check_snapshot_id(id)?;
    }
    for id in &ids {
        let snapshot = cloud
            .live_in(ResourceType::LighthouseSnapshot, region, id, ctx.now_ms)
            .ok_or_else(|| not_found(id))?;
        if snapshot.status(ctx.now_ms) != "NORMAL" {
            return Err(ApiError::new(
                "UnsupportedOperation.InvalidSnapshotState",
                format!(
                    "The snapshot `{id}` is in state `{}`; only NORMAL snapshots can be deleted.",
                    snapshot.status(ctx.now_ms)
                ),
            ));
        }
    }
    for id in ids {
        cloud.remove(id);
    }
    Ok(Map::new())
}

fn modify_snapshot_attribute(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&["SnapshotId", "SnapshotName"])?;
    let id = params.required_string("SnapshotId")?;
    check_snapshot_id(id)?;
    let name = params.string("SnapshotName")?;
    if let Some(name) = name {
        check_name(name)?;
    }
    cloud
        .live_in(ResourceType::LighthouseSnapshot, region, id, ctx.now_ms)
        .ok_or_else(|| not_found(id))?;
    if let Some(name) = name {
        cloud.update(id, |snapshot| snapshot.name = name.to_owned());
    }
    Ok(Map::new())
}

/// The addresses and tags every emulated instance has, as DescribeInstances renders them and
/// its filters match them.
const PRIVATE_ADDRESSES: &[&str] = &["10.0.0.2"];
const PUBLIC_ADDRESSES: &[&str] = &[];
const INSTANCE_TAGS: &[Tag] = &[];

fn zone(region: &str) -> String {
    format!("{region}-3")
}

fn instance_name(instance: &LighthouseInstance) -> &str {
    instance.name.as_deref().unwrap_or(&instance.id)
}

fn instance_json(instance: &LighthouseInstance, region: &str) -> Value {
    json!({
        "InstanceId": instance.id,
        "InstanceName": instance_name(instance),
        "InstanceState": instance.state,
        "BundleId": "bundle_gen_01",
        "BlueprintId": "lhbp-emulator",
        "CPU": 2,
        "Memory": 4,
        "InstanceChargeType": "PREPAID",
        "SystemDisk": {
            "DiskType": "CLOUD_PREMIUM",
            "DiskSize": instance.disk_size,
            "DiskId": system_disk_id(&instance.id),
        },
        "PrivateAddresses": PRIVATE_ADDRESSES,
        "PublicAddresses": PUBLIC_ADDRESSES,
        "InternetAccessible": {
            "InternetChargeType": "TRAFFIC_POSTPAID_BY_HOUR",
            "InternetMaxBandwidthOut": 30,
            "PublicIpAssigned": false,
        },
        "RenewFlag": "NOTIFY_AND_MANUAL_RENEW",
        "LoginSettings": {"KeyIds": []},
        "Uuid": format!("00000000-0000-4000-8000-{:0>12}", instance.id.trim_start_matches("lhins-")),
        "LatestOperation": null,
        "LatestOperationState": null,
        "LatestOperationRequestId": null,
        "IsolatedTime": null,
        "CreatedTime": "2024-01-01T00:00:00Z",
        "ExpiredTime": "2030-01-01T00:00:00Z",
        "PlatformType": "LINUX_UNIX",
        "Platform": "UBUNTU",
        "OsName": "Ubuntu Server 22.04 LTS 64bit",
        "Zone": zone(region),
        "Tags": INSTANCE_TAGS,
        "InstanceRestrictState": "NORMAL",
    })
}

fn describe_instances(
    cloud: &mut Cloud,
    region: &str,
    params: TcParams<'_>,
) -> Result<Map<String, Value>, ApiError> {
    params.only(&[
        "InstanceIds",
        "Filters",
        "Offset",
        "Limit",
        "OrderField",
        "Order",
    ])?;
    let ids = params.string_list("InstanceIds")?;
    let filters = params.filters()?;
    if ids.is_some() && filters.is_some() {
        return Err(ApiError::new(
            "InvalidParameter.ParameterConflict",
            "`InstanceIds` and `Filters` cannot be specified at the same time.",
        ));
    }
    if let Some(ids) = &ids {
        if ids.len() > 100 {
            return Err(ApiError::new(
                "InvalidParameterValue.LimitExceeded",
                "At most 100 `InstanceIds` can be given.",
            ));
        }
        for id in ids {
            check_instance_id(id)?;
        }
    }
    let filters = filters.unwrap_or_default();
    check_filters(&filters)?;
    for filter in &filters {
        if !matches!(
            filter.name.as_str(),
            "instance-id"
                | "instance-name"
                | "instance-state"
                | "private-ip-address"
                | "public-ip-address"
                | "zone"
        ) && !is_tag_filter(&filter.name)
        {
            return Err(ApiError::new(
                "InvalidParameter.InvalidFilterInvalidKey",
                format!("The filter key `{}` is not valid.", filter.name),
            ));
        }
    }
    let (offset, limit) = tencent_page(&params, page_codes)?;
    let zone = zone(region);
    // By ID, only the instances named are looked at; the answer keeps the inventory's order.
    let instances: Vec<&LighthouseInstance> = match &ids {
        Some(ids) => cloud.lighthouse_instances_among(region, ids),
        None => cloud
            .inventory()
            .tencentcloud
            .get(region)
            .map(|region| region.lighthouse_instances.iter().collect())
            .unwrap_or_default(),
    };
    let matched: Vec<&LighthouseInstance> = instances
        .into_iter()
        .filter(|instance| {
            filters.iter().all(|filter| {
                filter
                    .values
                    .iter()
                    .any(|value| match filter.name.as_str() {
                        "instance-id" => *value == instance.id,
                        "instance-name" => value == instance_name(instance),
                        "instance-state" => *value == instance.state,
                        "private-ip-address" => PRIVATE_ADDRESSES.contains(&value.as_str()),
                        "public-ip-address" => PUBLIC_ADDRESSES.contains(&value.as_str()),
                        "zone" => *value == zone,
                        name => tag_matches(INSTANCE_TAGS, name, value),
                    })
            })
        })
        .collect();
    let set: Vec<Value> = page(&matched, offset, limit)
        .into_iter()
        .map(|instance| instance_json(instance, region))
        .collect();
    Ok(object([
        ("TotalCount", json!(matched.len())),
        ("InstanceSet", Value::Array(set)),
    ]))
}
