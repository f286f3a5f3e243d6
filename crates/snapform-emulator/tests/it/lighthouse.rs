//! Lighthouse instance snapshots and instances.

use std::time::Duration;

use serde_json::json;

use crate::support::start;

const GZ: &str = "ap-guangzhou";

#[tokio::test]
async fn snapshot_lifecycle() {
    let (emulator, client, clock) = start().await;
    let created = client
        .tc_ok("lighthouse", "CreateInstanceSnapshot", GZ, json!({"InstanceId": "lhins-qs100001", "SnapshotName": "pre", "Tags": [{"Key": "a", "Value": "b"}]}))
        .await;
    let id = created["SnapshotId"].as_str().expect("id").to_owned();
    assert!(id.starts_with("lhsnap-") && id.len() == 15, "{id}");
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "CreateInstanceSnapshot",
                GZ,
                json!({"InstanceId": "lhins-qs100001"})
            )
            .await,
        "UnsupportedOperation.LatestOperationUnfinished"
    );
    let describe = json!({"SnapshotIds": [id], "Limit": 100});
    let snapshot = client
        .tc_ok("lighthouse", "DescribeSnapshots", GZ, describe.clone())
        .await["SnapshotSet"][0]
        .clone();
    assert_eq!(snapshot["SnapshotState"], "CREATING");
    assert_eq!(snapshot["LatestOperation"], "CreateInstanceSnapshot");
    assert_eq!(snapshot["LatestOperationState"], "OPERATING");
    assert_eq!(snapshot["DiskUsage"], "SYSTEM_DISK");
    assert_eq!(snapshot["Tags"][0]["Key"], "a");
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "DeleteSnapshots",
                GZ,
                json!({"SnapshotIds": [id]})
            )
            .await,
        "UnsupportedOperation.InvalidSnapshotState"
    );
    client
        .tc_ok(
            "lighthouse",
            "ModifySnapshotAttribute",
            GZ,
            json!({"SnapshotId": id, "SnapshotName": "renamed"}),
        )
        .await;
    clock.advance(Duration::from_secs(5));
    let halfway = client
        .tc_ok("lighthouse", "DescribeSnapshots", GZ, describe.clone())
        .await;
    assert_eq!(halfway["SnapshotSet"][0]["Percent"], 50);
    clock.advance(Duration::from_secs(5));
    let ready = client
        .tc_ok("lighthouse", "DescribeSnapshots", GZ, describe.clone())
        .await["SnapshotSet"][0]
        .clone();
    assert_eq!(ready["SnapshotState"], "NORMAL");
    assert_eq!(ready["LatestOperationState"], "SUCCESS");
    assert_eq!(ready["SnapshotName"], "renamed");
    let by_tag = json!({"Filters": [{"Name": "tag:a", "Values": ["b"]}]});
    assert_eq!(
        client
            .tc_ok("lighthouse", "DescribeSnapshots", GZ, by_tag)
            .await["TotalCount"],
        1
    );
    client
        .tc_ok(
            "lighthouse",
            "DeleteSnapshots",
            GZ,
            json!({"SnapshotIds": [id]}),
        )
        .await;
    assert_eq!(
        client
            .tc_ok("lighthouse", "DescribeSnapshots", GZ, describe)
            .await["TotalCount"],
        0
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn validation_and_limits() {
    let (emulator, client, clock) = start().await;
    let err = |params| client.tc_err("lighthouse", "CreateInstanceSnapshot", GZ, params);
    assert_eq!(
        err(json!({"InstanceId": "ins-qs100001"})).await,
        "InvalidParameterValue.InstanceIdMalformed"
    );
    assert_eq!(
        err(json!({"InstanceId": "lhins-zz000000"})).await,
        "ResourceNotFound.InstanceIdNotFound"
    );
    assert_eq!(
        err(json!({"InstanceId": "lhins-qs100001", "SnapshotName": "x".repeat(61)})).await,
        "InvalidParameterValue.SnapshotNameTooLong"
    );
    assert_eq!(err(json!({})).await, "MissingParameter");
    let eleven: Vec<String> = (0..11).map(|n| format!("lhsnap-{n:08}")).collect();
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "DeleteSnapshots",
                GZ,
                json!({"SnapshotIds": eleven})
            )
            .await,
        "InvalidParameterValue.LimitExceeded"
    );
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "DeleteSnapshots",
                GZ,
                json!({"SnapshotIds": ["lhsnap-00000001", "lhsnap-00000001"]})
            )
            .await,
        "InvalidParameterValue.Duplicated"
    );
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "DeleteSnapshots",
                GZ,
                json!({"SnapshotIds": ["snap-1"]})
            )
            .await,
        "InvalidParameterValue.SnapshotIdMalformed"
    );
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "DeleteSnapshots",
                GZ,
                json!({"SnapshotIds": ["lhsnap-00000001"]})
            )
            .await,
        "ResourceNotFound.SnapshotIdNotFound"
    );
    let hundred_one: Vec<String> = (0..101).map(|n| format!("lhsnap-{n:08}")).collect();
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "DescribeSnapshots",
                GZ,
                json!({"SnapshotIds": hundred_one})
            )
            .await,
        "InvalidParameterValue.LimitExceeded"
    );
    let hundred: Vec<String> = (0..100).map(|n| format!("lhsnap-{n:08}")).collect();
    assert_eq!(
        client
            .tc_ok(
                "lighthouse",
                "DescribeSnapshots",
                GZ,
                json!({"SnapshotIds": hundred})
            )
            .await["TotalCount"],
        0
    );
    assert_eq!(
        client.tc_err("lighthouse", "DescribeSnapshots", GZ, json!({"Filters": [{"Name": "snapshot-name", "Values": ["a", "b", "c", "d", "e", "f"]}]})).await,
        "InvalidParameter.FilterValueLimitExceeded"
    );
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "DescribeSnapshots",
                GZ,
                json!({"Filters": [{"Name": "colour", "Values": ["a"]}]})
            )
            .await,
        "InvalidParameter.InvalidFilterInvalidKey"
    );
    assert_eq!(
        client
            .tc_err("lighthouse", "DescribeSnapshots", GZ, json!({"Limit": 101}))
            .await,
        "InvalidParameterValue.OutOfRange"
    );
    assert_eq!(
        client
            .tc_err("lighthouse", "DescribeSnapshots", GZ, json!({"Offset": -1}))
            .await,
        "InvalidParameterValue.Negative"
    );
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "ModifySnapshotAttribute",
                GZ,
                json!({"SnapshotId": "lhsnap-00000001", "SnapshotName": "n"})
            )
            .await,
        "ResourceNotFound.SnapshotIdNotFound"
    );
    // Ten IDs may be deleted in one call.
    let mut ids = Vec::new();
    let mut inventory = snapform_emulator::Inventory::builtin();
    inventory
        .tencentcloud
        .get_mut(GZ)
        .expect("region")
        .lighthouse_instances[1]
        .snapshot_quota = 10;
    client.put_inventory(&inventory).await;
    for _ in 0..10 {
        let created = client
            .tc_ok(
                "lighthouse",
                "CreateInstanceSnapshot",
                GZ,
                json!({"InstanceId": "lhins-qs100002"}),
            )
            .await;
        ids.push(created["SnapshotId"].clone());
        clock.advance(Duration::from_secs(10));
    }
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "CreateInstanceSnapshot",
                GZ,
                json!({"InstanceId": "lhins-qs100002"})
            )
            .await,
        "LimitExceeded.SnapshotQuotaLimitExceeded"
    );
    client
        .tc_ok(
            "lighthouse",
            "DeleteSnapshots",
            GZ,
            json!({"SnapshotIds": ids}),
        )
        .await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn describe_instances() {
    let (emulator, client, _clock) = start().await;
    let all = client
        .tc_ok("lighthouse", "DescribeInstances", GZ, json!({}))
        .await;
    assert_eq!(all["TotalCount"], 3);
    let one = client
        .tc_ok(
            "lighthouse",
            "DescribeInstances",
            GZ,
            json!({"InstanceIds": ["lhins-qs100003"]}),
        )
        .await;
    assert_eq!(one["InstanceSet"][0]["InstanceId"], "lhins-qs100003");
    assert_eq!(one["InstanceSet"][0]["InstanceState"], "RUNNING");
    let shanghai = client
        .tc_ok("lighthouse", "DescribeInstances", "ap-shanghai", json!({}))
        .await;
    assert_eq!(shanghai["InstanceSet"][0]["InstanceId"], "lhins-qs200001");
    emulator.shutdown().await;
}

/// Every accepted filter matches what DescribeInstances renders for the instance.
#[tokio::test]
async fn describe_instances_filters_match_the_rendered_fields() {
    let (emulator, client, _clock) = start().await;
    let one = client
        .tc_ok(
            "lighthouse",
            "DescribeInstances",
            GZ,
            json!({"InstanceIds": ["lhins-qs100002"]}),
        )
        .await["InstanceSet"][0]
        .clone();
    let zone = one["Zone"].as_str().expect("zone").to_owned();
    let private = one["PrivateAddresses"][0].as_str().expect("ip").to_owned();
    assert_eq!(zone, "ap-guangzhou-3");
    assert_eq!(one["PublicAddresses"], json!([]));
    assert_eq!(one["Tags"], json!([]));
    let count = |name: &str, value: &str| {
        let filters = json!({"Filters": [{"Name": name, "Values": [value]}]});
        let client = client.clone();
        async move {
            client
                .tc_ok("lighthouse", "DescribeInstances", GZ, filters)
                .await["TotalCount"]
                .clone()
        }
    };
    assert_eq!(count("zone", &zone).await, 3);
    assert_eq!(count("zone", "ap-guangzhou-4").await, 0);
    assert_eq!(count("private-ip-address", &private).await, 3);
    assert_eq!(count("private-ip-address", "10.9.9.9").await, 0);
    assert_eq!(count("instance-name", "lhins-qs100002").await, 1);
    assert_eq!(count("instance-state", "RUNNING").await, 3);
    // No instance has a public address or a tag.
    assert_eq!(count("public-ip-address", &private).await, 0);
    assert_eq!(count("tag-key", "env").await, 0);
    assert_eq!(count("tag-value", "prod").await, 0);
    assert_eq!(count("tag:env", "prod").await, 0);
    for name in ["tagged", "colour"] {
        assert_eq!(
            client
                .tc_err(
                    "lighthouse",
                    "DescribeInstances",
                    GZ,
                    json!({"Filters": [{"Name": name, "Values": ["x"]}]})
                )
                .await,
            "InvalidParameter.InvalidFilterInvalidKey",
            "{name}"
        );
    }
    emulator.shutdown().await;
}
