//! CBS disk backups, snapshot groups and disks.

use std::time::Duration;

use serde_json::json;

use crate::support::start;

const GZ: &str = "ap-guangzhou";

#[tokio::test]
async fn disk_backup_progresses_to_normal_and_deletes_asynchronously() {
    let (emulator, client, clock) = start().await;
    let created = client
        .tc_ok(
            "cbs",
            "CreateDiskBackup",
            GZ,
            json!({"DiskId": "disk-qs100001", "DiskBackupName": "nightly"}),
        )
        .await;
    let id = created["DiskBackupId"].as_str().expect("id").to_owned();
    assert!(id.starts_with("dbp-") && id.len() == 12, "{id}");
    let describe = json!({"DiskBackupIds": [id, "dbp-zzzzzzzz"], "Limit": 100});
    let first = client
        .tc_ok("cbs", "DescribeDiskBackups", GZ, describe.clone())
        .await;
    assert_eq!(first["TotalCount"], 1);
    let backup = &first["DiskBackupSet"][0];
    assert_eq!(backup["DiskBackupState"], "CREATING");
    assert_eq!(backup["Percent"], 0);
    assert_eq!(backup["DiskId"], "disk-qs100001");
    assert_eq!(backup["DiskBackupName"], "nightly");
    assert_eq!(backup["DiskUsage"], "DATA_DISK");
    clock.advance(Duration::from_secs(4));
    let middle = client
        .tc_ok("cbs", "DescribeDiskBackups", GZ, describe.clone())
        .await;
    assert_eq!(middle["DiskBackupSet"][0]["Percent"], 40);
    assert_eq!(middle["DiskBackupSet"][0]["DiskBackupState"], "CREATING");
    clock.advance(Duration::from_secs(6));
    let done = client
        .tc_ok("cbs", "DescribeDiskBackups", GZ, describe.clone())
        .await;
    assert_eq!(done["DiskBackupSet"][0]["DiskBackupState"], "NORMAL");
    assert_eq!(done["DiskBackupSet"][0]["Percent"], 100);
    client
        .tc_ok(
            "cbs",
            "DeleteDiskBackups",
            GZ,
            json!({"DiskBackupIds": [id]}),
        )
        .await;
    // Deletion is asynchronous: still listed for a while, then gone.
    let deleting = client
        .tc_ok("cbs", "DescribeDiskBackups", GZ, describe.clone())
        .await;
    assert_eq!(deleting["TotalCount"], 1);
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DeleteDiskBackups",
                GZ,
                json!({"DiskBackupIds": [id]})
            )
            .await,
        "ResourceNotFound.NotFound"
    );
    clock.advance(Duration::from_secs(5));
    let gone = client
        .tc_ok("cbs", "DescribeDiskBackups", GZ, describe)
        .await;
    assert_eq!(gone["TotalCount"], 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn disk_backup_errors() {
    let (emulator, client, clock) = start().await;
    let create = |disk: &str| json!({"DiskId": disk});
    assert_eq!(
        client
            .tc_err("cbs", "CreateDiskBackup", GZ, create("disk-qs100007"))
            .await,
        "ResourceInsufficient.OverQuota"
    );
    assert_eq!(
        client
            .tc_err("cbs", "CreateDiskBackup", GZ, create("disk-zz999999"))
            .await,
        "InvalidDiskId.NotFound"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateDiskBackup",
                "ap-shanghai",
                create("disk-qs100001")
            )
            .await,
        "InvalidDiskId.NotFound"
    );
    assert_eq!(
        client
            .tc_err("cbs", "CreateDiskBackup", GZ, create("vol-1"))
            .await,
        "InvalidParameter"
    );
    assert_eq!(
        client
            .tc_err("cbs", "CreateDiskBackup", GZ, json!({}))
            .await,
        "MissingParameter"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateDiskBackup",
                GZ,
                json!({"DiskId": "disk-qs100001", "DiskBackupName": "x".repeat(101)})
            )
            .await,
        "InvalidParameter"
    );
    assert_eq!(
        client
            .tc_err("cbs", "CreateDiskBackup", GZ, json!({"DiskId": 5}))
            .await,
        "InvalidParameter"
    );
    let id = client
        .tc_ok("cbs", "CreateDiskBackup", GZ, create("disk-qs100002"))
        .await["DiskBackupId"]
        .clone();
    assert_eq!(
        client
            .tc_err("cbs", "CreateDiskBackup", GZ, create("disk-qs100002"))
            .await,
        "InvalidDisk.Busy"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DeleteDiskBackups",
                GZ,
                json!({"DiskBackupIds": [id]})
            )
            .await,
        "ResourceBusy"
    );
    assert_eq!(
        client
            .tc_err("cbs", "DeleteDiskBackups", GZ, json!({"DiskBackupIds": []}))
            .await,
        "MissingParameter"
    );
    clock.advance(Duration::from_secs(10));
    client
        .tc_ok("cbs", "CreateDiskBackup", GZ, create("disk-qs100002"))
        .await;
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DescribeDiskBackups",
                GZ,
                json!({"DiskBackupIds": [id], "Filters": []})
            )
            .await,
        "InvalidParameter"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DescribeDiskBackups",
                GZ,
                json!({"Filters": [{"Name": "size", "Values": ["1"]}]})
            )
            .await,
        "InvalidFilter"
    );
    assert_eq!(
        client
            .tc_err("cbs", "DescribeDiskBackups", GZ, json!({"Limit": 101}))
            .await,
        "InvalidParameter"
    );
    let ids: Vec<String> = (0..101).map(|n| format!("dbp-{n:08}")).collect();
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DescribeDiskBackups",
                GZ,
                json!({"DiskBackupIds": ids})
            )
            .await,
        "InvalidParameter"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn per_disk_backup_quota_is_enforced() {
    let (emulator, client, clock) = start().await;
    let mut inventory = snapform_emulator::Inventory::builtin();
    inventory.tencentcloud.get_mut(GZ).expect("region").disks[0].backup_quota = 2;
    client.put_inventory(&inventory).await;
    for _ in 0..2 {
        client
            .tc_ok(
                "cbs",
                "CreateDiskBackup",
                GZ,
                json!({"DiskId": "disk-qs100001"}),
            )
            .await;
        clock.advance(Duration::from_secs(10));
    }
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateDiskBackup",
                GZ,
                json!({"DiskId": "disk-qs100001"})
            )
            .await,
        "ResourceInsufficient.OverQuota"
    );
    let disks = client
        .tc_ok(
            "cbs",
            "DescribeDisks",
            GZ,
            json!({"DiskIds": ["disk-qs100001"]}),
        )
        .await;
    assert_eq!(disks["DiskSet"][0]["DiskBackupQuota"], 2);
    assert_eq!(disks["DiskSet"][0]["DiskBackupCount"], 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn backups_filter_order_and_page() {
    let (emulator, client, clock) = start().await;
    let mut ids = Vec::new();
    for disk in [
        "disk-qs100001",
        "disk-qs100002",
        "disk-qs100003",
        "disk-qs100001",
    ] {
        let created = client
            .tc_ok("cbs", "CreateDiskBackup", GZ, json!({"DiskId": disk}))
            .await;
        ids.push(created["DiskBackupId"].as_str().expect("id").to_owned());
        clock.advance(Duration::from_secs(11));
    }
    let by_disk = client
        .tc_ok(
            "cbs",
            "DescribeDiskBackups",
            GZ,
            json!({"Filters": [{"Name": "disk-id", "Values": ["disk-qs100001"]}]}),
        )
        .await;
    assert_eq!(by_disk["TotalCount"], 2);
    let page = client
        .tc_ok(
            "cbs",
            "DescribeDiskBackups",
            GZ,
            json!({"Offset": 1, "Limit": 2, "Order": "DESC"}),
        )
        .await;
    assert_eq!(page["TotalCount"], 4);
    let page_ids: Vec<&str> = page["DiskBackupSet"]
        .as_array()
        .expect("set")
        .iter()
        .map(|backup| backup["DiskBackupId"].as_str().expect("id"))
        .collect();
    assert_eq!(page_ids, [ids[2].as_str(), ids[1].as_str()]);
    // Without `Limit` a page holds 20 (the documented default): more than that must exist.
    while ids.len() < 22 {
        let created = client
            .tc_ok(
                "cbs",
                "CreateDiskBackup",
                GZ,
                json!({"DiskId": "disk-qs100002"}),
            )
            .await;
        ids.push(created["DiskBackupId"].as_str().expect("id").to_owned());
        clock.advance(Duration::from_secs(11));
    }
    let default_limit = client
        .tc_ok("cbs", "DescribeDiskBackups", GZ, json!({}))
        .await;
    assert_eq!(default_limit["TotalCount"], 22);
    let default_ids: Vec<&str> = default_limit["DiskBackupSet"]
        .as_array()
        .expect("set")
        .iter()
        .map(|backup| backup["DiskBackupId"].as_str().expect("id"))
        .collect();
    assert_eq!(default_ids, ids[..20]);
    let other_region = client
        .tc_ok("cbs", "DescribeDiskBackups", "ap-shanghai", json!({}))
        .await;
    assert_eq!(other_region["TotalCount"], 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn snapshot_group_rules() {
    let (emulator, client, clock) = start().await;
    let created = client
        .tc_ok(
            "cbs",
            "CreateSnapshotGroup",
            GZ,
            json!({"DiskIds": ["disk-qs100003", "disk-qs100005"], "SnapshotGroupName": "pair", "Tags": [{"Key": "env", "Value": "prod"}]}),
        )
        .await;
    let id = created["SnapshotGroupId"].as_str().expect("id").to_owned();
    assert!(id.starts_with("csnap-") && id.len() == 14, "{id}");
    let filter = json!({"Filters": [{"Name": "snapshot-group-id", "Values": [id]}]});
    let group = client
        .tc_ok("cbs", "DescribeSnapshotGroups", GZ, filter.clone())
        .await["SnapshotGroupSet"][0]
        .clone();
    assert_eq!(group["SnapshotGroupState"], "CREATING");
    assert_eq!(group["SnapshotGroupType"], "NORMAL");
    assert_eq!(group["SnapshotIdSet"].as_array().expect("members").len(), 2);
    assert!(
        group["SnapshotIdSet"][0]
            .as_str()
            .expect("member")
            .starts_with("snap-")
    );
    // Busy: the disks have a snapshot being created.
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateSnapshotGroup",
                GZ,
                json!({"DiskIds": ["disk-qs100004", "disk-qs100005"]})
            )
            .await,
        "InvalidDisk.SnapshotCreating"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateDiskBackup",
                GZ,
                json!({"DiskId": "disk-qs100003"})
            )
            .await,
        "ResourceUnavailable.SnapshotCreating"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DeleteSnapshotGroup",
                GZ,
                json!({"SnapshotGroupId": id})
            )
            .await,
        "UnsupportedOperation.StateError"
    );
    // Not all on one instance, or not attached.
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateSnapshotGroup",
                GZ,
                json!({"DiskIds": ["disk-qs100001", "disk-qs100004"]})
            )
            .await,
        "InvalidParameter"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateSnapshotGroup",
                GZ,
                json!({"DiskIds": ["disk-qs100006"]})
            )
            .await,
        "InvalidParameter"
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateSnapshotGroup",
                GZ,
                json!({"DiskIds": ["disk-qs100001", "disk-zz000000"]})
            )
            .await,
        "InvalidDiskId.NotFound"
    );
    assert_eq!(
        client
            .tc_err("cbs", "CreateSnapshotGroup", GZ, json!({"DiskIds": []}))
            .await,
        "MissingParameter"
    );
    // A backup being created makes the disk busy for a group too.
    client
        .tc_ok(
            "cbs",
            "CreateDiskBackup",
            GZ,
            json!({"DiskId": "disk-qs100001"}),
        )
        .await;
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateSnapshotGroup",
                GZ,
                json!({"DiskIds": ["disk-qs100001", "disk-qs100002"]})
            )
            .await,
        "ResourceInUse"
    );
    clock.advance(Duration::from_secs(10));
    let by_state = json!({"Filters": [{"Name": "snapshot-group-state", "Values": ["NORMAL"]}]});
    assert_eq!(
        client
            .tc_ok("cbs", "DescribeSnapshotGroups", GZ, by_state)
            .await["TotalCount"],
        1
    );
    let member = group["SnapshotIdSet"][1].clone();
    let by_member = json!({"Filters": [{"Name": "snapshot-id", "Values": [member]}]});
    assert_eq!(
        client
            .tc_ok("cbs", "DescribeSnapshotGroups", GZ, by_member)
            .await["TotalCount"],
        1
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DescribeSnapshotGroups",
                GZ,
                json!({"Filters": [{"Name": "disk-id", "Values": ["x"]}]})
            )
            .await,
        "InvalidFilter"
    );
    client
        .tc_ok(
            "cbs",
            "DeleteSnapshotGroup",
            GZ,
            json!({"SnapshotGroupIds": [id], "DeleteBindImages": false}),
        )
        .await;
    assert_eq!(
        client
            .tc_ok("cbs", "DescribeSnapshotGroups", GZ, filter)
            .await["TotalCount"],
        0
    );
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "DeleteSnapshotGroup",
                GZ,
                json!({"SnapshotGroupId": id})
            )
            .await,
        "InvalidSnapshotId.NotFound"
    );
    assert_eq!(
        client
            .tc_err("cbs", "DeleteSnapshotGroup", GZ, json!({}))
            .await,
        "MissingParameter"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn snapshot_quota_is_per_account_and_region() {
    let (emulator, client, clock) = start().await;
    let mut inventory = snapform_emulator::Inventory::builtin();
    inventory
        .tencentcloud
        .get_mut(GZ)
        .expect("region")
        .snapshot_quota = 3;
    client.put_inventory(&inventory).await;
    client
        .tc_ok(
            "cbs",
            "CreateSnapshotGroup",
            GZ,
            json!({"DiskIds": ["disk-qs100001", "disk-qs100002"]}),
        )
        .await;
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateSnapshotGroup",
                GZ,
                json!({"DiskIds": ["disk-qs100003", "disk-qs100004"]})
            )
            .await,
        "InsufficientSnapshotQuota"
    );
    client
        .tc_ok(
            "cbs",
            "CreateSnapshotGroup",
            GZ,
            json!({"DiskIds": ["disk-qs100003"]}),
        )
        .await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn describe_disks_lists_the_inventory() {
    let (emulator, client, _clock) = start().await;
    let all = client
        .tc_ok("cbs", "DescribeDisks", GZ, json!({"Limit": 100}))
        .await;
    assert_eq!(all["TotalCount"], 7);
    let on_instance = client
        .tc_ok(
            "cbs",
            "DescribeDisks",
            GZ,
            json!({"Filters": [{"Name": "instance-id", "Values": ["ins-qs100002"]}]}),
        )
        .await;
    assert_eq!(on_instance["TotalCount"], 3);
    let one = client
        .tc_ok(
            "cbs",
            "DescribeDisks",
            GZ,
            json!({"DiskIds": ["disk-qs100007"]}),
        )
        .await;
    assert_eq!(one["DiskSet"][0]["DiskBackupQuota"], 0);
    assert_eq!(one["DiskSet"][0]["InstanceId"], "ins-qs100003");
    let paged = client
        .tc_ok("cbs", "DescribeDisks", GZ, json!({"Offset": 5, "Limit": 5}))
        .await;
    assert_eq!(paged["DiskSet"].as_array().expect("set").len(), 2);
    let shanghai = client
        .tc_ok("cbs", "DescribeDisks", "ap-shanghai", json!({}))
        .await;
    assert_eq!(shanghai["TotalCount"], 2);
    emulator.shutdown().await;
}
