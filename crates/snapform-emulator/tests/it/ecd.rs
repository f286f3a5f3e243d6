//! ECD desktop snapshots and desktops.

use std::time::Duration;

use crate::support::start;

#[tokio::test]
async fn snapshot_lifecycle() {
    let (emulator, client, clock) = start().await;
    let (status, created) = client
        .ecd(
            "CreateSnapshot",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000001"),
                ("SnapshotName", "daily-1"),
                ("SourceDiskType", "data"),
                ("Description", "nightly"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["SnapshotId"].as_str().expect("id").to_owned();
    assert!(id.starts_with("s-") && id.len() == 22, "{id}");
    let describe = [("RegionId", "cn-hangzhou"), ("SnapshotId", id.as_str())];
    let (_, listed) = client.ecd("DescribeSnapshots", &describe).await;
    let snapshot = &listed["Snapshots"][0];
    assert_eq!(snapshot["Status"], "PROGRESSING");
    assert_eq!(snapshot["Progress"], "0%");
    assert_eq!(snapshot["SourceDiskType"], "DATA");
    assert_eq!(snapshot["SourceDiskSize"], "50");
    assert_eq!(snapshot["SnapshotType"], "USER");
    assert_eq!(snapshot["DesktopId"], "ecd-qs1000000000001");
    assert_eq!(listed["NextToken"], "");
    // Another snapshot of the same disk while this one progresses.
    let (status, busy) = client
        .ecd(
            "CreateSnapshot",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000001"),
                ("SnapshotName", "daily-2"),
                ("SourceDiskType", "DATA"),
            ],
        )
        .await;
    assert_eq!(
        (status, busy["Code"].as_str()),
        (400, Some("IncorrectDiskStatus.CreatingSnapshot"))
    );
    // The system disk is another disk.
    let (status, _) = client
        .ecd(
            "CreateSnapshot",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000001"),
                ("SnapshotName", "sys-1"),
                ("SourceDiskType", "SYSTEM"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    clock.advance(Duration::from_secs(3));
    let (_, listed) = client.ecd("DescribeSnapshots", &describe).await;
    assert_eq!(listed["Snapshots"][0]["Progress"], "30%");
    assert_eq!(listed["Snapshots"][0]["RemainTime"], 7);
    clock.advance(Duration::from_secs(7));
    let (_, listed) = client.ecd("DescribeSnapshots", &describe).await;
    assert_eq!(listed["Snapshots"][0]["Status"], "ACCOMPLISHED");
    assert_eq!(listed["Snapshots"][0]["Progress"], "100%");
    let (_, by_desktop) = client
        .ecd(
            "DescribeSnapshots",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000001"),
                ("MaxResults", "1"),
            ],
        )
        .await;
    assert_eq!(by_desktop["Snapshots"].as_array().expect("list").len(), 1);
    let token = by_desktop["NextToken"].as_str().expect("token").to_owned();
    assert!(!token.is_empty());
    let (_, second) = client
        .ecd(
            "DescribeSnapshots",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000001"),
                ("MaxResults", "1"),
                ("NextToken", &token),
            ],
        )
        .await;
    assert_eq!(second["Snapshots"].as_array().expect("list").len(), 1);
    assert_eq!(second["NextToken"], "");
    let (status, _) = client
        .ecd(
            "DeleteSnapshot",
            &[("RegionId", "cn-hangzhou"), ("SnapshotId.1", &id)],
        )
        .await;
    assert_eq!(status, 200);
    let (_, listed) = client.ecd("DescribeSnapshots", &describe).await;
    assert_eq!(listed["Snapshots"], serde_json::json!([]));
    let (status, gone) = client
        .ecd(
            "DeleteSnapshot",
            &[("RegionId", "cn-hangzhou"), ("SnapshotId.1", &id)],
        )
        .await;
    assert_eq!(
        (status, gone["Code"].as_str()),
        (400, Some("InvalidSnapshotId.NotFound"))
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn validation() {
    let (emulator, client, _clock) = start().await;
    let create = |desktop: &'static str, name: &'static str, kind: &'static str| {
        let client = client.clone();
        async move {
            let (status, body) = client
                .ecd(
                    "CreateSnapshot",
                    &[
                        ("RegionId", "cn-hangzhou"),
                        ("DesktopId", desktop),
                        ("SnapshotName", name),
                        ("SourceDiskType", kind),
                    ],
                )
                .await;
            (status, body["Code"].as_str().unwrap_or("").to_owned())
        }
    };
    assert_eq!(
        create("ecd-qs1000000000003", "daily", "system").await,
        (400, "IncorrectDesktopStatus".to_owned())
    );
    assert_eq!(
        create("ecd-qs2000000000001", "daily", "system").await,
        (400, "InvalidDesktopId.NotFound".to_owned())
    );
    for bad in [
        "a",
        "1abc",
        "auto-snap",
        "http://x",
        "has space",
        &"x".repeat(128),
    ] {
        let bad: &'static str = Box::leak(bad.to_owned().into_boxed_str());
        assert_eq!(
            create("ecd-qs1000000000002", bad, "system").await,
            (400, "InvalidParameter.SnapshotName".to_owned()),
            "{bad}"
        );
    }
    assert_eq!(
        create("ecd-qs1000000000002", "daily", "root").await,
        (400, "InvalidParameter.SourceDiskType".to_owned())
    );
    assert_eq!(
        create("ecd-qs1000000000002", "daily", "").await,
        (400, "MissingSourceDiskType".to_owned())
    );
    assert_eq!(
        create("ecd-qs1000000000002", "Daily_snap-1", "System")
            .await
            .0,
        200
    );
    let ids: Vec<String> = (1..=101).map(|n| format!("s-{n:020}")).collect();
    let names: Vec<String> = (1..=101).map(|n| format!("SnapshotId.{n}")).collect();
    let mut params: Vec<(&str, &str)> = vec![("RegionId", "cn-hangzhou")];
    params.extend(
        names
            .iter()
            .map(String::as_str)
            .zip(ids.iter().map(String::as_str)),
    );
    let (status, body) = client.ecd("DeleteSnapshot", &params).await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("InvalidParameter.SnapshotId"))
    );
    let (status, body) = client
        .ecd(
            "DescribeSnapshots",
            &[("RegionId", "cn-hangzhou"), ("MaxResults", "101")],
        )
        .await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("InvalidParameter.MaxResults"))
    );
    let (status, body) = client
        .ecd(
            "DescribeSnapshots",
            &[("RegionId", "cn-hangzhou"), ("NextToken", "garbage")],
        )
        .await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (400, Some("InvalidParameter.NextToken"))
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn describe_desktops() {
    let (emulator, client, _clock) = start().await;
    let (status, body) = client
        .ecd("DescribeDesktops", &[("RegionId", "cn-hangzhou")])
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["TotalCount"], 3);
    let (_, body) = client
        .ecd(
            "DescribeDesktops",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId.1", "ecd-qs1000000000002"),
            ],
        )
        .await;
    assert_eq!(body["Desktops"][0]["DesktopStatus"], "Stopped");
    let (_, body) = client
        .ecd("DescribeDesktops", &[("RegionId", "cn-shanghai")])
        .await;
    assert_eq!(body["Desktops"][0]["DesktopId"], "ecd-qs2000000000001");
    emulator.shutdown().await;
}
