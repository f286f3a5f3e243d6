//! `--data FILE`: the cloud persists, keeps progressing, and is shared between processes.

use std::time::Duration;

use serde_json::json;
use snapform_emulator::EmulatorConfig;

use crate::support::{clock, config, start_with};

#[tokio::test]
async fn a_second_emulator_sees_the_first_ones_cloud() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("cloud.json");
    let clock = clock();
    let with_data = || EmulatorConfig {
        data_file: Some(data.clone()),
        ..config(&clock)
    };
    let (first, client_a, _) = start_with(with_data(), clock.clone()).await;
    let (second, client_b, _) = start_with(with_data(), clock.clone()).await;
    let created = client_a
        .tc_ok(
            "cbs",
            "CreateDiskBackup",
            "ap-guangzhou",
            json!({"DiskId": "disk-qs100001", "DiskBackupName": "shared"}),
        )
        .await;
    let id = created["DiskBackupId"].clone();
    // The other process answers from the file: progress is derived from stored times.
    clock.advance(Duration::from_secs(5));
    let seen = client_b
        .tc_ok(
            "cbs",
            "DescribeDiskBackups",
            "ap-guangzhou",
            json!({"DiskBackupIds": [id]}),
        )
        .await;
    assert_eq!(seen["DiskBackupSet"][0]["Percent"], 50);
    assert_eq!(
        client_b
            .tc_err(
                "cbs",
                "CreateDiskBackup",
                "ap-guangzhou",
                json!({"DiskId": "disk-qs100001"})
            )
            .await,
        "InvalidDisk.Busy"
    );
    // Interleaved writes from both keep both changes.
    client_b
        .ecd(
            "CreateSnapshot",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000001"),
                ("SnapshotName", "b1"),
                ("SourceDiskType", "system"),
            ],
        )
        .await;
    client_a
        .ecd(
            "CreateSnapshot",
            &[
                ("RegionId", "cn-hangzhou"),
                ("DesktopId", "ecd-qs1000000000002"),
                ("SnapshotName", "a1"),
                ("SourceDiskType", "system"),
            ],
        )
        .await;
    let listed = client_b.control("GET", "resources", None).await.body;
    assert_eq!(listed.as_array().expect("array").len(), 3);
    first.shutdown().await;
    second.shutdown().await;
    // A fresh process loads the same cloud and it has kept progressing.
    clock.advance(Duration::from_secs(5));
    let (third, client_c, _) = start_with(with_data(), clock.clone()).await;
    let seen = client_c
        .tc_ok(
            "cbs",
            "DescribeDiskBackups",
            "ap-guangzhou",
            json!({"DiskBackupIds": [id]}),
        )
        .await;
    assert_eq!(seen["DiskBackupSet"][0]["DiskBackupState"], "NORMAL");
    assert_eq!(seen["DiskBackupSet"][0]["DiskBackupName"], "shared");
    // Control changes persist too.
    let id = id.as_str().expect("id").to_owned();
    client_c
        .control("DELETE", &format!("resources/{id}"), None)
        .await;
    third.shutdown().await;
    let text = std::fs::read_to_string(&data).expect("data file");
    assert!(!text.contains(&id));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test]
async fn the_effect_is_saved_before_the_answer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("cloud.json");
    let clock = clock();
    let emulator_config = EmulatorConfig {
        data_file: Some(data.clone()),
        ..config(&clock)
    };
    let (emulator, client, _) = start_with(emulator_config, clock).await;
    client
        .control("POST", "faults", Some(json!({"lost": 1.0})))
        .await;
    let raw = client.tc3_raw(
        "lighthouse",
        "CreateInstanceSnapshot",
        "ap-guangzhou",
        r#"{"InstanceId": "lhins-qs100002"}"#,
        None,
    );
    assert!(crate::client::send(client.addr, raw).await.is_err());
    let text = std::fs::read_to_string(&data).expect("data file");
    assert!(text.contains("lighthouse_snapshot"), "{text}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_corrupt_or_newer_data_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("cloud.json");
    let clock = clock();
    let with_data = || EmulatorConfig {
        data_file: Some(data.clone()),
        ..config(&clock)
    };
    // A valid file written by an emulator, then marked as a newer format.
    let (emulator, _, _) = start_with(with_data(), clock.clone()).await;
    emulator.shutdown().await;
    let text = std::fs::read_to_string(&data).expect("data file");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(value["format_version"], 1);
    value["format_version"] = json!(99);
    std::fs::write(&data, value.to_string()).expect("write");
    let error = snapform_emulator::spawn(with_data())
        .await
        .expect_err("newer format refused");
    assert!(
        matches!(
            error,
            snapform_emulator::Error::DataVersion { version: 99, .. }
        ),
        "{error}"
    );
    std::fs::write(&data, "{not json").expect("write");
    let error = snapform_emulator::spawn(with_data())
        .await
        .expect_err("corrupt file refused");
    assert!(
        matches!(error, snapform_emulator::Error::Parse { .. }),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(&data).expect("read"),
        "{not json",
        "never overwritten"
    );
}
