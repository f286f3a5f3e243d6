//! ENS edge snapshots and disks.

use std::time::Duration;

use serde_json::json;

use crate::support::start;

#[tokio::test]
async fn snapshot_lifecycle() {
    let (emulator, client, clock) = start().await;
    let (status, created) = client
        .ens(
            "CreateSnapshot",
            &[
                ("DiskId", "d-qs10000000000000001"),
                ("EnsRegionId", "cn-shenzhen-3"),
                ("SnapshotName", "edge:1"),
                ("Description", "weekly"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{created}");
    // `SnapShotId` (capital S in Shot) is an array.
    let id = created["SnapShotId"][0].as_str().expect("id").to_owned();
    assert!(id.starts_with("sp-"), "{id}");
    assert!(created["OrderId"].is_string());
    let array = json!([id, "sp-missing"]).to_string();
    let describe = [("SnapshotId", array.as_str())];
    let (_, listed) = client.ens("DescribeSnapshots", &describe).await;
    assert_eq!(listed["TotalCount"], 1);
    assert_eq!(listed["PageNumber"], 1);
    let snapshot = &listed["Snapshots"][0];
    assert_eq!(snapshot["Status"], "creating");
    assert_eq!(snapshot["SourceDiskId"], "d-qs10000000000000001");
    assert_eq!(snapshot["SourceDiskType"], "2");
    assert_eq!(snapshot["EnsRegionId"], "cn-shenzhen-3");
    let (status, busy) = client
        .ens(
            "CreateSnapshot",
            &[
                ("DiskId", "d-qs10000000000000001"),
                ("EnsRegionId", "cn-shenzhen-3"),
            ],
        )
        .await;
    assert_eq!(
        (status, busy["Code"].as_str()),
        (400, Some("IncorrectDiskStatus.CreatingSnapshot"))
    );
    let (status, refused) = client.ens("DeleteSnapshot", &[("SnapshotId", &id)]).await;
    assert_eq!(
        (status, refused["Code"].as_str()),
        (400, Some("DISK_SNAPSHOT_STATUS_NOT_MATCH"))
    );
    let (status, _) = client
        .ens(
            "ModifySnapshotAttribute",
            &[
                ("SnapshotId", &id),
                ("SnapshotName", "edge-2"),
                ("Description", "monthly"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    clock.advance(Duration::from_secs(10));
    let (_, listed) = client
        .ens("DescribeSnapshots", &[("SnapshotId", id.as_str())])
        .await;
    assert_eq!(listed["Snapshots"][0]["Status"], "available");
    assert_eq!(listed["Snapshots"][0]["SnapshotName"], "edge-2");
    assert_eq!(listed["Snapshots"][0]["Description"], "monthly");
    let (status, _) = client.ens("DeleteSnapshot", &[("SnapshotId", &id)]).await;
    assert_eq!(status, 200);
    let (_, listed) = client.ens("DescribeSnapshots", &describe).await;
    assert_eq!(listed["Snapshots"][0]["Status"], "deleting");
    clock.advance(Duration::from_secs(5));
    let (_, listed) = client.ens("DescribeSnapshots", &describe).await;
    assert_eq!(listed["TotalCount"], 0);
    let (status, gone) = client.ens("DeleteSnapshot", &[("SnapshotId", &id)]).await;
    assert_eq!(
        (status, gone["Code"].as_str()),
        (400, Some("ERROR_SNAPSHOT_NOT_FOUND"))
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn validation_and_paging() {
    let (emulator, client, clock) = start().await;
    let code = |answer: (u16, serde_json::Value)| {
        (answer.0, answer.1["Code"].as_str().unwrap_or("").to_owned())
    };
    assert_eq!(
        code(
            client
                .ens(
                    "CreateSnapshot",
                    &[
                        ("DiskId", "d-qs10000000000000001"),
                        ("EnsRegionId", "cn-beijing-15")
                    ]
                )
                .await
        ),
        (400, "InvalidDiskId.NotFound".to_owned())
    );
    assert_eq!(
        code(
            client
                .ens("CreateSnapshot", &[("EnsRegionId", "cn-shenzhen-3")])
                .await
        ),
        (400, "MissingParameter".to_owned())
    );
    assert_eq!(
        code(
            client
                .ens(
                    "CreateSnapshot",
                    &[
                        ("DiskId", "d-qs10000000000000001"),
                        ("EnsRegionId", "cn-shenzhen-3"),
                        ("SnapshotName", "https://x")
                    ]
                )
                .await
        ),
        (400, "InvalidParameter.SnapshotName".to_owned())
    );
    assert_eq!(
        code(
            client
                .ens(
                    "CreateSnapshot",
                    &[
                        ("DiskId", "d-qs10000000000000001"),
                        ("EnsRegionId", "cn-shenzhen-3"),
                        ("Description", "x")
                    ]
                )
                .await
        ),
        (400, "InvalidParameter.Description".to_owned())
    );
    let too_many = serde_json::to_string(&(0..101).map(|n| format!("sp-{n}")).collect::<Vec<_>>())
        .expect("json");
    assert_eq!(
        code(
            client
                .ens("DescribeSnapshots", &[("SnapshotId", &too_many)])
                .await
        ),
        (400, "InvalidParameter.SnapshotId".to_owned())
    );
    assert_eq!(
        code(
            client
                .ens("DescribeSnapshots", &[("SnapshotId", "[not json")])
                .await
        ),
        (400, "InvalidParameter.SnapshotId".to_owned())
    );
    assert_eq!(
        code(
            client
                .ens("DescribeSnapshots", &[("PageSize", "101")])
                .await
        ),
        (400, "InvalidParameter.PageSize".to_owned())
    );
    assert_eq!(
        code(
            client
                .ens(
                    "ModifySnapshotAttribute",
                    &[("SnapshotId", "sp-nope"), ("SnapshotName", "abc")]
                )
                .await
        ),
        (400, "SnapshotIdNotFound".to_owned())
    );
    for disk in ["d-qs10000000000000001", "d-qs10000000000000002"] {
        let (status, _) = client
            .ens(
                "CreateSnapshot",
                &[("DiskId", disk), ("EnsRegionId", "cn-shenzhen-3")],
            )
            .await;
        assert_eq!(status, 200);
        clock.advance(Duration::from_secs(1));
    }
    let (_, page) = client
        .ens(
            "DescribeSnapshots",
            &[
                ("EnsRegionIds", r#"["cn-shenzhen-3","cn-beijing-15"]"#),
                ("PageSize", "1"),
                ("PageNumber", "2"),
            ],
        )
        .await;
    assert_eq!(page["TotalCount"], 2);
    assert_eq!(
        page["Snapshots"][0]["SourceDiskId"],
        "d-qs10000000000000002"
    );
    let (_, by_disk) = client
        .ens("DescribeSnapshots", &[("DiskId", "d-qs10000000000000001")])
        .await;
    assert_eq!(by_disk["TotalCount"], 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn describe_disks() {
    let (emulator, client, _clock) = start().await;
    let (status, body) = client.ens("DescribeDisks", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(body["TotalCount"], 3);
    let (_, body) = client
        .ens("DescribeDisks", &[("EnsRegionId", "cn-beijing-15")])
        .await;
    assert_eq!(body["Disks"]["Disks"][0]["DiskId"], "d-qs20000000000000001");
    let (_, body) = client
        .ens(
            "DescribeDisks",
            &[("DiskIds", r#"["d-qs10000000000000002"]"#)],
        )
        .await;
    assert_eq!(body["TotalCount"], 1);
    emulator.shutdown().await;
}
