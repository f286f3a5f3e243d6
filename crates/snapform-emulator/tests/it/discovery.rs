//! The listings `snapform import -discover` reads, answered as the clouds answer them: CBS
//! snapshots (the members of snapshot groups, with their disks), Lighthouse instances with the
//! system disk their snapshots name, ECD user snapshots of a whole region page by page, and ENS
//! snapshots of every edge region at once.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::start;

const GZ: &str = "ap-guangzhou";

fn ids(set: &Value, key: &str) -> Vec<String> {
    set.as_array()
        .expect("a list")
        .iter()
        .map(|item| item[key].as_str().expect("an ID").to_owned())
        .collect()
}

#[tokio::test]
async fn cbs_snapshots_are_the_members_of_snapshot_groups_with_their_disks() {
    let (emulator, client, clock) = start().await;
    let mut groups = Vec::new();
    for (disks, name) in [
        (vec!["disk-qs100001", "disk-qs100002"], "app"),
        (
            vec!["disk-qs100003", "disk-qs100004", "disk-qs100005"],
            "db",
        ),
    ] {
        let created = client
            .tc_ok(
                "cbs",
                "CreateSnapshotGroup",
                GZ,
                json!({"DiskIds": disks, "SnapshotGroupName": name}),
            )
            .await;
        groups.push(created["SnapshotGroupId"].as_str().expect("id").to_owned());
        clock.advance(Duration::from_secs(11));
    }
    let listed = client
        .tc_ok("cbs", "DescribeSnapshotGroups", GZ, json!({"Limit": 100}))
        .await;
    assert_eq!(ids(&listed["SnapshotGroupSet"], "SnapshotGroupId"), groups);
    let members: Vec<String> = listed["SnapshotGroupSet"][1]["SnapshotIdSet"]
        .as_array()
        .expect("members")
        .iter()
        .map(|id| id.as_str().expect("an ID").to_owned())
        .collect();
    assert_eq!(members.len(), 3);

    // By ID: each member with the disk it snapshots, named after its group.
    let by_id = client
        .tc_ok(
            "cbs",
            "DescribeSnapshots",
            GZ,
            json!({"SnapshotIds": members, "Limit": 100}),
        )
        .await;
    assert_eq!(by_id["TotalCount"], 3);
    let set = by_id["SnapshotSet"].as_array().expect("set");
    let described: Vec<(&str, &str, &str)> = set
        .iter()
        .map(|snapshot| {
            (
                snapshot["SnapshotId"].as_str().expect("id"),
                snapshot["DiskId"].as_str().expect("disk"),
                snapshot["SnapshotName"].as_str().expect("name"),
            )
        })
        .collect();
    let expected: Vec<(&str, &str, &str)> = members
        .iter()
        .map(String::as_str)
        .zip(["disk-qs100003", "disk-qs100004", "disk-qs100005"])
        .zip(["db_0", "db_1", "db_2"])
        .map(|((id, disk), name)| (id, disk, name))
        .collect();
    assert_eq!(described, expected);
    assert_eq!(set[0]["SnapshotState"], "NORMAL");
    assert_eq!(set[0]["DiskUsage"], "DATA_DISK");

    // By disk, newest first, one page at a time.
    let by_disk = client
        .tc_ok(
            "cbs",
            "DescribeSnapshots",
            GZ,
            json!({
                "Filters": [{"Name": "disk-id", "Values": ["disk-qs100001", "disk-qs100003"]}],
                "Order": "DESC", "OrderField": "CREATE_TIME", "Limit": 1, "Offset": 1,
            }),
        )
        .await;
    assert_eq!(by_disk["TotalCount"], 2);
    assert_eq!(by_disk["SnapshotSet"][0]["DiskId"], "disk-qs100001");

    // Refused as the API refuses them.
    let hundred_one: Vec<String> = (0..101).map(|n| format!("snap-{n:08}")).collect();
    for (params, code) in [
        (
            json!({"SnapshotIds": [members[0]], "Filters": [{"Name": "disk-id", "Values": ["disk-qs100001"]}]}),
            "InvalidParameter",
        ),
        (json!({"SnapshotIds": hundred_one}), "InvalidParameter"),
        (
            json!({"Filters": [{"Name": "no-such-filter", "Values": ["x"]}]}),
            "InvalidFilter",
        ),
        (json!({"Limit": 101}), "InvalidParameter"),
        (json!({"Order": "SIDEWAYS"}), "InvalidParameter"),
        (json!({"SnapshotIdz": []}), "UnknownParameter"),
    ] {
        assert_eq!(
            client
                .tc_err("cbs", "DescribeSnapshots", GZ, params.clone())
                .await,
            code,
            "{params}"
        );
    }
    // Another region has none of them.
    let elsewhere = client
        .tc_ok("cbs", "DescribeSnapshots", "ap-shanghai", json!({}))
        .await;
    assert_eq!(elsewhere["TotalCount"], 0);
    emulator.shutdown().await;
}

#[tokio::test]
async fn lighthouse_snapshots_name_the_system_disk_their_instance_lists() {
    let (emulator, client, _clock) = start().await;
    let created = client
        .tc_ok(
            "lighthouse",
            "CreateInstanceSnapshot",
            GZ,
            json!({"InstanceId": "lhins-qs100002", "SnapshotName": "blog"}),
        )
        .await;
    let id = created["SnapshotId"].as_str().expect("id");
    let snapshots = client
        .tc_ok("lighthouse", "DescribeSnapshots", GZ, json!({"Limit": 100}))
        .await;
    let snapshot = &snapshots["SnapshotSet"][0];
    assert_eq!(snapshot["SnapshotId"], id);
    assert!(
        snapshot.get("InstanceId").is_none(),
        "snapshots do not name their instance"
    );
    let instances = client
        .tc_ok("lighthouse", "DescribeInstances", GZ, json!({"Limit": 100}))
        .await;
    let owners: Vec<&Value> = instances["InstanceSet"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|instance| instance["SystemDisk"]["DiskId"] == snapshot["DiskId"])
        .map(|instance| &instance["InstanceId"])
        .collect();
    assert_eq!(owners, [&json!("lhins-qs100002")]);
    let by_name = client
        .tc_ok(
            "lighthouse",
            "DescribeSnapshots",
            GZ,
            json!({"Filters": [{"Name": "snapshot-name", "Values": ["blog"]}]}),
        )
        .await;
    assert_eq!(by_name["TotalCount"], 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn ecd_lists_a_regions_user_snapshots_page_by_page() {
    let (emulator, client, clock) = start().await;
    let mut made = Vec::new();
    for (desktop, disk) in [
        ("ecd-qs1000000000001", "SYSTEM"),
        ("ecd-qs1000000000001", "DATA"),
        ("ecd-qs1000000000002", "SYSTEM"),
    ] {
        let (status, created) = client
            .ecd(
                "CreateSnapshot",
                &[
                    ("RegionId", "cn-hangzhou"),
                    ("DesktopId", desktop),
                    ("SnapshotName", "nightly"),
                    ("SourceDiskType", disk),
                ],
            )
            .await;
        assert_eq!(status, 200, "{created}");
        made.push(created["SnapshotId"].as_str().expect("id").to_owned());
        clock.advance(Duration::from_secs(11));
    }
    let mut listed = Vec::new();
    let mut token = String::new();
    loop {
        let mut params = vec![
            ("RegionId", "cn-hangzhou"),
            ("SnapshotType", "user"),
            ("MaxResults", "2"),
        ];
        if !token.is_empty() {
            params.push(("NextToken", token.as_str()));
        }
        let (status, page) = client.ecd("DescribeSnapshots", &params).await;
        assert_eq!(status, 200, "{page}");
        listed.extend(ids(&page["Snapshots"], "SnapshotId"));
        token = page["NextToken"].as_str().unwrap_or_default().to_owned();
        if token.is_empty() {
            break;
        }
    }
    made.reverse();
    assert_eq!(listed, made, "newest first, every page");
    let (_, automatic) = client
        .ecd(
            "DescribeSnapshots",
            &[("RegionId", "cn-hangzhou"), ("SnapshotType", "auto")],
        )
        .await;
    assert_eq!(automatic["Snapshots"], json!([]));
    let (_, by_name) = client
        .ecd(
            "DescribeSnapshots",
            &[("RegionId", "cn-hangzhou"), ("SnapshotName", "other")],
        )
        .await;
    assert_eq!(by_name["Snapshots"], json!([]));
    let (_, elsewhere) = client
        .ecd("DescribeSnapshots", &[("RegionId", "cn-shanghai")])
        .await;
    assert_eq!(elsewhere["Snapshots"], json!([]));
    emulator.shutdown().await;
}

#[tokio::test]
async fn ens_lists_every_edge_region_when_none_is_named() {
    let (emulator, client, _clock) = start().await;
    for (region, disk) in [
        ("cn-shenzhen-3", "d-qs10000000000000001"),
        ("cn-beijing-15", "d-qs20000000000000001"),
    ] {
        let (status, created) = client
            .ens(
                "CreateSnapshot",
                &[
                    ("EnsRegionId", region),
                    ("DiskId", disk),
                    ("SnapshotName", "edge"),
                ],
            )
            .await;
        assert_eq!(status, 200, "{created}");
    }
    let regions = |page: &Value| -> Vec<String> { ids(&page["Snapshots"], "EnsRegionId") };
    let (_, everywhere) = client
        .ens("DescribeSnapshots", &[("PageSize", "100")])
        .await;
    assert_eq!(everywhere["TotalCount"], 2);
    assert_eq!(regions(&everywhere), ["cn-shenzhen-3", "cn-beijing-15"]);
    let (_, one) = client
        .ens(
            "DescribeSnapshots",
            &[
                ("EnsRegionIds", r#"["cn-beijing-15"]"#),
                ("SnapshotName", "edge"),
            ],
        )
        .await;
    assert_eq!(regions(&one), ["cn-beijing-15"]);
    let (_, in_a_region_and_of_a_disk) = client
        .ens(
            "DescribeSnapshots",
            &[
                ("EnsRegionIds", r#"["cn-beijing-15"]"#),
                ("DiskId", "d-qs10000000000000001"),
            ],
        )
        .await;
    assert_eq!(in_a_region_and_of_a_disk["TotalCount"], 0);
    emulator.shutdown().await;
}
