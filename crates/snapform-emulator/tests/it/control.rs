//! The control API: inspect, delete, rename and change resources behind a client's back.

use std::time::Duration;

use serde_json::json;

use crate::support::start;

#[tokio::test]
async fn lists_every_kind_with_parents_and_status() {
    let (emulator, client, clock) = start().await;
    client
        .tc_ok(
            "cbs",
            "CreateDiskBackup",
            "ap-guangzhou",
            json!({"DiskId": "disk-qs100001", "DiskBackupName": "b"}),
        )
        .await;
    client
        .tc_ok(
            "cbs",
            "CreateSnapshotGroup",
            "ap-guangzhou",
            json!({"DiskIds": ["disk-qs100003", "disk-qs100004"], "SnapshotGroupName": "g"}),
        )
        .await;
    client
        .tc_ok(
            "lighthouse",
            "CreateInstanceSnapshot",
            "ap-shanghai",
            json!({"InstanceId": "lhins-qs200001", "SnapshotName": "l"}),
        )
        .await;
    client
        .ecd(
            "CreateSnapshot",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000002"),
                ("SnapshotName", "e1"),
                ("SourceDiskType", "system"),
            ],
        )
        .await;
    client
        .ens(
            "CreateSnapshot",
            &[
                ("DiskId", "d-qs20000000000000001"),
                ("EnsRegionId", "cn-beijing-15"),
                ("SnapshotName", "n1"),
            ],
        )
        .await;
    let listed = client.control("GET", "resources", None).await;
    assert_eq!(listed.status, 200);
    let listed = listed.body.as_array().expect("array").clone();
    let kinds: Vec<&str> = listed
        .iter()
        .map(|r| r["type"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        [
            "cbs_disk_backup",
            "cbs_snapshot_group",
            "lighthouse_snapshot",
            "ecd_snapshot",
            "ens_snapshot"
        ]
    );
    assert_eq!(
        listed[1]["parents"],
        json!(["disk-qs100003", "disk-qs100004"])
    );
    assert_eq!(listed[2]["region"], "ap-shanghai");
    assert_eq!(listed[2]["parents"], json!(["lhins-qs200001"]));
    assert_eq!(listed[3]["status"], "PROGRESSING");
    assert_eq!(listed[4]["status"], "creating");
    assert_eq!(listed[4]["region"], "cn-beijing-15");
    assert_eq!(listed[0]["name"], "b");
    clock.advance(Duration::from_secs(10));
    let ready = client
        .control("GET", "resources?type=ens_snapshot", None)
        .await
        .body;
    assert_eq!(ready.as_array().expect("array").len(), 1);
    assert_eq!(ready[0]["status"], "available");
    let by_parent = client
        .control("GET", "resources?parent=disk-qs100004", None)
        .await
        .body;
    assert_eq!(by_parent[0]["type"], "cbs_snapshot_group");
    let by_region = client
        .control("GET", "resources?region=cn-hangzhou", None)
        .await
        .body;
    assert_eq!(by_region.as_array().expect("array").len(), 1);
    assert_eq!(
        client
            .control("GET", "resources?type=volcano", None)
            .await
            .status,
        400
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn drift_delete_rename_and_status() {
    let (emulator, client, clock) = start().await;
    let created = client
        .tc_ok(
            "lighthouse",
            "CreateInstanceSnapshot",
            "ap-guangzhou",
            json!({"InstanceId": "lhins-qs100001", "SnapshotName": "keep"}),
        )
        .await;
    let id = created["SnapshotId"].as_str().expect("id").to_owned();
    clock.advance(Duration::from_secs(10));
    let renamed = client
        .control(
            "PATCH",
            &format!("resources/{id}"),
            Some(json!({"name": "drifted"})),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.body["name"], "drifted");
    let seen = client
        .tc_ok(
            "lighthouse",
            "DescribeSnapshots",
            "ap-guangzhou",
            json!({"SnapshotIds": [id]}),
        )
        .await;
    assert_eq!(seen["SnapshotSet"][0]["SnapshotName"], "drifted");
    let failed = client
        .control(
            "POST",
            &format!("resources/{id}"),
            Some(json!({"status": "FAILED"})),
        )
        .await;
    assert_eq!(failed.body["status"], "FAILED");
    let seen = client
        .tc_ok(
            "lighthouse",
            "DescribeSnapshots",
            "ap-guangzhou",
            json!({"SnapshotIds": [id]}),
        )
        .await;
    assert_eq!(seen["SnapshotSet"][0]["LatestOperationState"], "FAILED");
    let cleared = client
        .control(
            "PATCH",
            &format!("resources/{id}"),
            Some(json!({"status": null})),
        )
        .await;
    assert_eq!(cleared.body["status"], "NORMAL");
    assert_eq!(
        client
            .control(
                "PATCH",
                &format!("resources/{id}"),
                Some(json!({"colour": "red"}))
            )
            .await
            .status,
        400
    );
    assert_eq!(
        client
            .control("GET", &format!("resources/{id}"), None)
            .await
            .body["id"],
        id.as_str()
    );
    assert_eq!(
        client
            .control("DELETE", &format!("resources/{id}"), None)
            .await
            .status,
        200
    );
    let seen = client
        .tc_ok(
            "lighthouse",
            "DescribeSnapshots",
            "ap-guangzhou",
            json!({"SnapshotIds": [id]}),
        )
        .await;
    assert_eq!(seen["TotalCount"], 0);
    assert_eq!(
        client
            .control("DELETE", &format!("resources/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        client
            .control("GET", &format!("resources/{id}"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        client.control("GET", "nothing-here", None).await.status,
        404
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn faults_stats_inventory_and_reset() {
    let (emulator, client, _clock) = start().await;
    let set = client
        .control(
            "POST",
            "faults",
            Some(json!({"spec": "5xx=0.25,latency=0.5:10ms", "seed": 3})),
        )
        .await;
    assert_eq!(set.status, 200);
    assert_eq!(set.body["5xx"], 0.25);
    let read = client.control("GET", "faults", None).await.body;
    assert_eq!(read["latency_ms"], 10);
    assert_eq!(
        client
            .control("POST", "faults", Some(json!({"5xx": 2})))
            .await
            .status,
        400
    );
    assert_eq!(
        client
            .control("POST", "faults", Some(json!({"meteor": 0.1})))
            .await
            .status,
        400
    );
    client
        .tc("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    let stats = client.control("GET", "stats", None).await.body;
    assert_eq!(stats["total_requests"], 1);
    assert_eq!(stats["requests"]["cbs.DescribeDisks"], 1);
    let inventory = client.control("GET", "inventory", None).await.body;
    assert_eq!(
        inventory["tencentcloud"]["ap-guangzhou"]["disks"][0]["id"],
        "disk-qs100001"
    );
    assert_eq!(
        inventory["alicloud"]["ens"]["cn-shenzhen-3"]["disks"][0]["id"],
        "d-qs10000000000000001"
    );
    // Drift in the parents: a disk disappears.
    let mut changed = inventory.clone();
    changed["tencentcloud"]["ap-guangzhou"]["disks"]
        .as_array_mut()
        .expect("disks")
        .remove(0);
    assert_eq!(
        client
            .control("PUT", "inventory", Some(changed))
            .await
            .status,
        200
    );
    client.control("POST", "faults", Some(json!({}))).await;
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateDiskBackup",
                "ap-guangzhou",
                json!({"DiskId": "disk-qs100001"})
            )
            .await,
        "InvalidDiskId.NotFound"
    );
    client
        .tc_ok(
            "cbs",
            "CreateDiskBackup",
            "ap-guangzhou",
            json!({"DiskId": "disk-qs100002"}),
        )
        .await;
    assert_eq!(client.control("POST", "reset", None).await.status, 200);
    assert_eq!(
        client.control("GET", "resources", None).await.body,
        json!([])
    );
    assert_eq!(
        client.control("GET", "stats", None).await.body["total_requests"],
        0
    );
    assert_eq!(client.control("GET", "faults", None).await.body["5xx"], 0.0);
    client
        .tc_ok(
            "cbs",
            "CreateDiskBackup",
            "ap-guangzhou",
            json!({"DiskId": "disk-qs100001"}),
        )
        .await;
    assert_eq!(client.control("DELETE", "stats", None).await.status, 200);
    assert_eq!(
        client.control("GET", "stats", None).await.body["total_requests"],
        0
    );
    emulator.shutdown().await;
}
