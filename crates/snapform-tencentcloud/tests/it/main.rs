//! The Tencent Cloud provider against the in-process emulator: every resource's lifecycle,
//! preflight checks, errors, retries under faults, and rate limits.

use std::collections::BTreeMap;
use std::time::Duration;

use snapform_core::{Secret, Value};
use snapform_emulator::{EmulatorConfig, FaultConfig, RunningEmulator};
use snapform_provider::{
    Attributes, CreateError, ErrorKind, PlannedChanges, Provider, ReadRequest, Readiness,
};
use std::sync::Arc;

use snapform_provider::{Credentials, ProviderSettings};
use snapform_tencentcloud::CLOUD;

type TencentCloud = Arc<dyn Provider>;

async fn emulator(config: EmulatorConfig) -> RunningEmulator {
    snapform_emulator::spawn(EmulatorConfig {
        ready_after: Duration::from_millis(300),
        ..config
    })
    .await
    .expect("the emulator starts")
}

fn provider_for(emulator: &RunningEmulator, rate_limit: f64) -> TencentCloud {
    let mut config = ProviderSettings::new(
        "ap-guangzhou",
        Credentials {
            key_id: snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned(),
            secret: Secret::new(snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY),
            token: None,
        },
    );
    config.endpoint = Some(emulator.endpoint());
    config.rate_limit = rate_limit;
    config.retry.min_delay = Duration::from_millis(20);
    config.retry.max_delay = Duration::from_millis(200);
    config.retry.busy_timeout = Duration::from_secs(5);
    (CLOUD.build)(config).expect("valid configuration")
}

fn args(pairs: &[(&str, Value)]) -> Attributes {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), value.clone()))
        .collect()
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn read(id: &str) -> ReadRequest<'static> {
    ReadRequest {
        id: id.to_owned(),
        recorded: Default::default(),
    }
}

/// Polls until the resource is ready, as apply will.
async fn wait_ready(
    provider: &TencentCloud,
    type_name: &str,
    request: ReadRequest<'_>,
) -> snapform_provider::ResourceState {
    for _ in 0..100 {
        let states = provider
            .read_many(type_name, std::slice::from_ref(&request))
            .await
            .expect("read");
        if let Some(state) = states.into_iter().next() {
            match state.readiness {
                Readiness::Ready => return state,
                Readiness::Failed { reason } => {
                    panic!("{type_name} {} failed: {reason}", request.id)
                }
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{type_name} {} never became ready", request.id);
}

async fn stats(emulator: &RunningEmulator) -> serde_json::Value {
    reqwest::get(format!("{}/_emulator/stats", emulator.endpoint()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON")
}

#[tokio::test]
async fn disk_backup_lifecycle() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let type_name = "tencentcloud_cbs_disk_backup";
    let arguments = args(&[
        ("disk_id", s("disk-qs100001")),
        ("disk_backup_name", s("nightly")),
    ]);
    let id = provider
        .create(type_name, &arguments, "")
        .await
        .expect("created");
    assert!(id.starts_with("dbp-"), "{id}");

    let first = provider
        .read_many(type_name, &[read(&id)])
        .await
        .expect("read");
    assert!(matches!(
        first[0].readiness,
        Readiness::Creating { .. } | Readiness::Ready
    ));
    let state = wait_ready(&provider, type_name, read(&id)).await;
    assert_eq!(state.attributes["disk_id"], s("disk-qs100001"));
    assert_eq!(state.attributes["disk_backup_name"], s("nightly"));
    assert_eq!(state.attributes["disk_backup_state"], s("NORMAL"));

    let found = lookup(&provider, type_name, &arguments)
        .await
        .expect("lookup");
    assert_eq!(
        found
            .iter()
            .map(|state| state.id.as_str())
            .collect::<Vec<_>>(),
        [id.as_str()]
    );

    let outcomes = provider
        .delete_many(type_name, std::slice::from_ref(&id))
        .await;
    assert!(outcomes[0].1.is_ok(), "{outcomes:?}");
    for _ in 0..100 {
        if provider
            .read_many(type_name, &[read(&id)])
            .await
            .expect("read")
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        provider
            .read_many(type_name, &[read(&id)])
            .await
            .expect("read")
            .is_empty(),
        "deleted"
    );
    // Deleting what is gone counts as done.
    let again = provider.delete_many(type_name, &[id]).await;
    assert!(again[0].1.is_ok(), "{again:?}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn snapshot_group_lifecycle_keeps_disks_and_tags_from_the_record() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let type_name = "tencentcloud_cbs_snapshot_group";
    let mut tags = BTreeMap::new();
    tags.insert("team".to_owned(), s("platform"));
    let arguments = args(&[
        (
            "disk_ids",
            Value::set([s("disk-qs100003"), s("disk-qs100004")]),
        ),
        ("snapshot_group_name", s("app")),
        ("tags", Value::Map(tags)),
    ]);
    let id = provider
        .create(type_name, &arguments, "")
        .await
        .expect("created");
    assert!(id.starts_with("csnap-"), "{id}");
    let state = wait_ready(
        &provider,
        type_name,
        ReadRequest {
            id: id.clone(),
            recorded: std::borrow::Cow::Borrowed(&arguments),
        },
    )
    .await;
    assert_eq!(state.attributes["disk_ids"], arguments["disk_ids"]);
    assert_eq!(state.attributes["tags"], arguments["tags"]);
    assert_eq!(state.attributes["snapshot_group_name"], s("app"));
    match &state.attributes["snapshot_ids"] {
        Value::List(ids) => assert_eq!(ids.len(), 2),
        other => panic!("snapshot_ids: {other}"),
    }
    assert_eq!(
        lookup(&provider, type_name, &arguments)
            .await
            .expect("lookup")
            .len(),
        1
    );
    assert!(provider.delete_many(type_name, &[id]).await[0].1.is_ok());
    emulator.shutdown().await;
}

#[tokio::test]
async fn lighthouse_snapshot_lifecycle_with_rename() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let type_name = "tencentcloud_lighthouse_snapshot";
    let arguments = args(&[
        ("instance_id", s("lhins-qs100001")),
        ("snapshot_name", s("blog")),
    ]);
    let id = provider
        .create(type_name, &arguments, "")
        .await
        .expect("created");
    assert!(id.starts_with("lhsnap-"), "{id}");
    let request = ReadRequest {
        id: id.clone(),
        recorded: std::borrow::Cow::Borrowed(&arguments),
    };
    let state = wait_ready(&provider, type_name, request.clone()).await;
    assert_eq!(
        state.attributes["instance_id"],
        s("lhins-qs100001"),
        "kept from the record"
    );

    let renamed = args(&[
        ("instance_id", s("lhins-qs100001")),
        ("snapshot_name", s("blog-v2")),
    ]);
    provider
        .update(type_name, &id, &renamed)
        .await
        .expect("renamed in place");
    let state = wait_ready(&provider, type_name, request).await;
    assert_eq!(state.attributes["snapshot_name"], s("blog-v2"));
    assert_eq!(
        lookup(&provider, type_name, &renamed)
            .await
            .expect("lookup")
            .len(),
        1
    );
    assert!(provider.delete_many(type_name, &[id]).await[0].1.is_ok());
    emulator.shutdown().await;
}

#[tokio::test]
async fn preflight_finds_missing_parents_split_groups_and_exhausted_quota() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let backups = [
        args(&[("disk_id", s("disk-qs100001"))]),
        args(&[("disk_id", s("disk-zz999999"))]),
        args(&[("disk_id", s("disk-qs100007"))]),
    ];
    let problems = provider
        .preflight("tencentcloud_cbs_disk_backup", &creates(&backups))
        .await
        .expect("preflight");
    let codes: Vec<Vec<&str>> = problems
        .iter()
        .map(|found| found.iter().map(|p| p.code).collect())
        .collect();
    assert_eq!(
        codes,
        [vec![], vec!["parent-not-found"], vec!["no-backup-quota"]]
    );

    let groups = [
        args(&[(
            "disk_ids",
            Value::set([s("disk-qs100001"), s("disk-qs100002")]),
        )]),
        args(&[(
            "disk_ids",
            Value::set([s("disk-qs100001"), s("disk-qs100003")]),
        )]),
        args(&[("disk_ids", Value::set([s("disk-qs100006")]))]),
    ];
    let problems = provider
        .preflight("tencentcloud_cbs_snapshot_group", &creates(&groups))
        .await
        .expect("preflight");
    let codes: Vec<Vec<&str>> = problems
        .iter()
        .map(|found| found.iter().map(|p| p.code).collect())
        .collect();
    assert_eq!(
        codes,
        [
            vec![],
            vec!["disks-not-on-one-instance"],
            vec!["disks-not-on-one-instance"]
        ]
    );
    assert!(
        problems[1][0]
            .message
            .contains("disk-qs100003 on ins-qs100002"),
        "{}",
        problems[1][0].message
    );

    let snapshots = [
        args(&[("instance_id", s("lhins-qs100002"))]),
        args(&[("instance_id", s("lhins-nosuch01"))]),
    ];
    let problems = provider
        .preflight("tencentcloud_lighthouse_snapshot", &creates(&snapshots))
        .await
        .expect("preflight");
    assert_eq!(problems[0].len(), 0);
    assert_eq!(problems[1][0].code, "parent-not-found");
    emulator.shutdown().await;
}

fn creates(arguments: &[Attributes]) -> PlannedChanges<'_> {
    PlannedChanges {
        creates: arguments.iter().collect(),
        ..PlannedChanges::default()
    }
}

#[tokio::test]
async fn backup_quota_counts_the_deletes_that_run_first_and_explains_expiries_that_wait() {
    let mut config = EmulatorConfig::default();
    let region = config
        .inventory
        .tencentcloud
        .get_mut("ap-guangzhou")
        .expect("the built-in region");
    let disk = region
        .disks
        .iter_mut()
        .find(|disk| disk.id == "disk-qs100001")
        .expect("the built-in disk");
    disk.backup_quota = 2;
    let emulator = emulator(config).await;
    let provider = provider_for(&emulator, 20.0);
    let type_name = "tencentcloud_cbs_disk_backup";
    let backup = |name: &str| {
        args(&[
            ("disk_id", s("disk-qs100001")),
            ("disk_backup_name", s(name)),
        ])
    };
    for name in ["nightly-1", "nightly-2"] {
        provider
            .create(type_name, &backup(name), "")
            .await
            .expect("created");
    }
    // A series keeping 2 makes night 3 and then expires night 1: the disk holds 3 for a while.
    let (night_3, night_1) = (backup("nightly-3"), backup("nightly-1"));
    let rotation = PlannedChanges {
        creates: vec![&night_3],
        deleted_later: vec![&night_1],
        ..PlannedChanges::default()
    };
    let problems = provider
        .preflight(type_name, &rotation)
        .await
        .expect("preflight");
    assert_eq!(problems[0].len(), 1, "{problems:?}");
    let message = &problems[0][0].message;
    assert_eq!(problems[0][0].code, "no-backup-quota");
    assert!(
        message.contains("2 of 2 used, and this plan adds 1")
            && message.contains("the 1 it deletes go only once the new backup points are ready")
            && message.contains("ModifyDiskBackupQuota"),
        "{message}"
    );
    // A replacement that deletes first frees its room.
    let destroy_first = PlannedChanges {
        creates: vec![&night_3],
        deleted_first: vec![&night_1],
        ..PlannedChanges::default()
    };
    let problems = provider
        .preflight(type_name, &destroy_first)
        .await
        .expect("preflight");
    assert_eq!(problems, [Vec::new()]);
    // With nothing deleted the message does not talk about deletes.
    let problems = provider
        .preflight(type_name, &creates(&[backup("nightly-3")]))
        .await
        .expect("preflight");
    assert!(!problems[0][0].message.contains("deletes"), "{problems:?}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn errors_keep_the_clouds_code_message_and_request_id() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let error = provider
        .create(
            "tencentcloud_cbs_disk_backup",
            &args(&[("disk_id", s("disk-zz999999"))]),
            "",
        )
        .await
        .expect_err("unknown disk");
    let CreateError::Rejected(error) = error else {
        panic!("a refused create is not an unknown outcome: {error}")
    };
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert_eq!(error.code, "InvalidDiskId.NotFound");
    assert!(error.request_id.is_some());
    assert!(!error.message.is_empty());

    // A wrong key is an auth failure, never retried.
    let mut config = ProviderSettings::new(
        "ap-guangzhou",
        Credentials {
            key_id: "AKIDnotakey".to_owned(),
            secret: Secret::new("x"),
            token: None,
        },
    );
    config.endpoint = Some(emulator.endpoint());
    let stranger = (CLOUD.build)(config).expect("valid");
    let error = stranger
        .read_many("tencentcloud_cbs_disk_backup", &[read("dbp-00000000")])
        .await
        .expect_err("refused");
    assert_eq!(
        (error.kind, error.code.as_str()),
        (ErrorKind::Permanent, "AuthFailure.SecretIdNotFound")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn reads_are_batched_100_ids_per_call() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 1000.0);
    let requests: Vec<ReadRequest> = (0..250).map(|n| read(&format!("dbp-{n:08}"))).collect();
    let states = provider
        .read_many("tencentcloud_cbs_disk_backup", &requests)
        .await
        .expect("read");
    assert!(states.is_empty(), "none of them exist");
    let counts = stats(&emulator).await;
    assert_eq!(counts["requests"]["cbs.DescribeDiskBackups"], 3, "{counts}");
    emulator.shutdown().await;
}

/// Sends 50 single-ID reads at once from `provider`, as apply's parallel waiters do.
async fn fifty_reads_at_once(provider: TencentCloud) {
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..50 {
        let provider = provider.clone();
        tasks.spawn(async move {
            provider
                .read_many(
                    "tencentcloud_lighthouse_snapshot",
                    &[read(&format!("lhsnap-{n:08}"))],
                )
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result
            .expect("the task ran")
            .expect("every read succeeds, retried if throttled");
    }
}

#[tokio::test]
async fn the_client_stays_under_the_rate_limit_and_survives_throttling() {
    let cloud = emulator(EmulatorConfig {
        rate_limit: 20,
        ..EmulatorConfig::default()
    })
    .await;
    fifty_reads_at_once(provider_for(&cloud, 20.0)).await;
    assert_eq!(
        stats(&cloud).await["total_throttled"],
        0,
        "the client's bucket keeps it under the limit"
    );

    // A client that asks for more than the cloud allows gets throttled, and retries until done.
    fifty_reads_at_once(provider_for(&cloud, 200.0)).await;
    assert!(stats(&cloud).await["total_throttled"].as_u64().unwrap_or(0) > 0);
    cloud.shutdown().await;
}

#[tokio::test]
async fn transient_faults_are_retried_and_lost_creates_are_reported_as_unknown() {
    let faults = FaultConfig {
        server_error: 0.3,
        throttle: 0.3,
        ..FaultConfig::default()
    };
    let cloud = emulator(EmulatorConfig {
        faults,
        seed: 7,
        ..EmulatorConfig::default()
    })
    .await;
    let provider = provider_for(&cloud, 100.0);
    // Reads go through 5xx and throttling by retrying.
    for n in 0..20 {
        provider
            .read_many(
                "tencentcloud_cbs_disk_backup",
                &[read(&format!("dbp-{n:08}"))],
            )
            .await
            .expect("reads are retried until they pass");
    }
    let counts = stats(&cloud).await;
    let faults = |kind: &str| counts["faults"][kind].as_u64().unwrap_or(0);
    assert!(faults("5xx") > 0 && faults("throttle") > 0, "{counts}");
    assert!(
        counts["total_requests"].as_u64().unwrap_or(0) >= 20 + faults("5xx") + faults("throttle"),
        "every fault was followed by a retry: {counts}"
    );
    cloud.shutdown().await;

    // Every create whose response is lost is reported as an unknown outcome, and the lookup
    // then finds what it made.
    let faults = FaultConfig {
        lost: 1.0,
        ..FaultConfig::default()
    };
    let cloud = emulator(EmulatorConfig {
        faults,
        ..EmulatorConfig::default()
    })
    .await;
    let provider = provider_for(&cloud, 100.0);
    let arguments = args(&[
        ("instance_id", s("lhins-qs100002")),
        ("snapshot_name", s("lost-once")),
    ]);
    match provider
        .create("tencentcloud_lighthouse_snapshot", &arguments, "")
        .await
    {
        Err(CreateError::OutcomeUnknown(error)) => assert_eq!(error.kind, ErrorKind::Transient),
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
    let counts = stats(&cloud).await;
    assert_eq!(
        counts["requests"]["lighthouse.CreateInstanceSnapshot"], 1,
        "never resent: {counts}"
    );
    reqwest::Client::new()
        .post(format!("{}/_emulator/faults", cloud.endpoint()))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("faults off");
    let found = lookup(&provider, "tencentcloud_lighthouse_snapshot", &arguments)
        .await
        .expect("lookup");
    assert_eq!(
        found.len(),
        1,
        "the lost create took effect and is found by instance and name"
    );
    cloud.shutdown().await;
}

/// A provider pointed at a server that answers like a broken or hostile cloud, with short
/// timeouts so each case ends quickly.
fn provider_at(endpoint: String) -> TencentCloud {
    let mut config = ProviderSettings::new(
        "ap-guangzhou",
        Credentials {
            key_id: snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned(),
            secret: Secret::new(snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY),
            token: None,
        },
    );
    config.endpoint = Some(endpoint);
    config.request_timeout = Duration::from_secs(2);
    config.max_response_bytes = 1024 * 1024;
    config.retry.min_delay = Duration::from_millis(10);
    config.retry.max_delay = Duration::from_millis(50);
    config.retry.call_deadline = Duration::from_secs(5);
    (CLOUD.build)(config).expect("valid configuration")
}

#[tokio::test]
async fn an_answer_without_its_list_is_an_error_never_everything_deleted() {
    use snapform_test_support::hostile::{Answer, HostileServer};
    let cases = [
        ("no list", r#"{"Response": {"RequestId": "x"}}"#),
        (
            "no TotalCount",
            r#"{"Response": {"RequestId": "x", "DiskBackupSet": []}}"#,
        ),
        (
            "an item without its ID",
            r#"{"Response": {"RequestId": "x", "TotalCount": 1, "DiskBackupSet": [{"DiskBackupState": "NORMAL"}]}}"#,
        ),
        (
            "an empty page before the total",
            r#"{"Response": {"RequestId": "x", "TotalCount": 3, "DiskBackupSet": []}}"#,
        ),
        (
            "no RequestId",
            r#"{"Response": {"TotalCount": 0, "DiskBackupSet": []}}"#,
        ),
    ];
    for (what, body) in cases {
        let server = HostileServer::start(Answer::Json {
            status: 200,
            body: body.to_owned(),
        })
        .await;
        let provider = provider_at(server.endpoint());
        let error = provider
            .read_many("tencentcloud_cbs_disk_backup", &[read("dbp-00000001")])
            .await
            .expect_err(what);
        assert_eq!(error.code, "InvalidResponse", "{what}: {error}");
    }
}

#[tokio::test]
async fn slow_and_huge_answers_fail_within_the_deadline() {
    use snapform_test_support::hostile::{Answer, HostileServer};
    for (what, answer) in [
        (
            "too large",
            Answer::Huge {
                bytes: 8 * 1024 * 1024,
            },
        ),
        (
            "slow drip",
            Answer::Drip {
                every: Duration::from_millis(500),
            },
        ),
    ] {
        let server = HostileServer::start(answer).await;
        let provider = provider_at(server.endpoint());
        let started = std::time::Instant::now();
        let error = provider
            .read_many("tencentcloud_cbs_disk_backup", &[read("dbp-00000001")])
            .await
            .expect_err(what);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: took {:?}: {error}",
            started.elapsed()
        );
    }
}

/// One lookup against a server whose every answer is `body`.
async fn lookup_answered(
    body: &serde_json::Value,
    type_name: &str,
    request: &snapform_provider::LookupRequest,
) -> Result<Vec<snapform_provider::ResourceState>, snapform_provider::Error> {
    use snapform_test_support::hostile::{Answer, HostileServer};
    let server = HostileServer::start(Answer::Json {
        status: 200,
        body: body.to_string(),
    })
    .await;
    let provider = provider_at(server.endpoint());
    let mut found = provider
        .lookup_many(type_name, std::slice::from_ref(request))
        .await?;
    Ok(found.pop().unwrap_or_default())
}

/// A listing item without a field the lookup matches on (its parent, its time, its members,
/// its intent tag) could be the object an interrupted create made: the answer is refused, never
/// read as "nothing was made", which would create the object a second time. A missing name
/// only keeps the item a candidate, since names are optional.
#[tokio::test]
async fn a_lookup_answer_missing_what_it_matches_on_is_an_error_never_nothing_found() {
    use serde_json::json;
    let backup = json!({
        "DiskBackupId": "dbp-00000001", "DiskId": "disk-00000001", "DiskBackupName": "nightly",
        "DiskBackupState": "NORMAL", "CreateTime": "2026-12-05 02:00:01",
    });
    let lighthouse = lighthouse_item();
    let group = json!({
        "SnapshotGroupId": "ssg-00000001", "SnapshotGroupName": "nightly",
        "SnapshotGroupState": "NORMAL", "SnapshotIdSet": ["snap-00000001"],
        "CreateTime": "2026-12-05 02:00:01",
    });
    let member = json!({
        "SnapshotId": "snap-00000001", "DiskId": "disk-00000001",
        "CreateTime": "2026-12-05 02:00:01",
    });
    let request = |arguments: Attributes, intent_id: &str| snapform_provider::LookupRequest {
        arguments,
        intent_id: intent_id.to_owned(),
        not_before: None,
    };
    let cases = [
        (
            "tencentcloud_cbs_disk_backup",
            "DiskBackupSet",
            backup,
            request(
                args(&[
                    ("disk_id", s("disk-00000001")),
                    ("disk_backup_name", s("nightly")),
                ]),
                "",
            ),
            vec!["DiskBackupId", "DiskId", "DiskBackupState", "CreateTime"],
            "DiskBackupName",
        ),
        (
            "tencentcloud_lighthouse_snapshot",
            "SnapshotSet",
            lighthouse,
            request(
                args(&[
                    ("instance_id", s("lhins-00000001")),
                    ("snapshot_name", s("nightly")),
                ]),
                "intent-1",
            ),
            vec!["SnapshotId", "SnapshotState", "CreatedTime", "Tags"],
            "SnapshotName",
        ),
        (
            "tencentcloud_cbs_snapshot_group",
            "SnapshotGroupSet",
            group,
            request(
                args(&[
                    ("disk_ids", Value::List(vec![s("disk-00000001")])),
                    ("snapshot_group_name", s("nightly")),
                ]),
                "",
            ),
            vec![
                "SnapshotGroupId",
                "SnapshotGroupState",
                "SnapshotIdSet",
                "CreateTime",
            ],
            "SnapshotGroupName",
        ),
    ];
    for (type_name, list_key, item, request, required, name) in cases {
        // One body answers every call: a group's lookup reads its members' snapshots first.
        let answer = |item: serde_json::Value| {
            let mut body = json!({"Response": {"RequestId": "x", "TotalCount": 1}});
            body["Response"][list_key] = json!([item]);
            if type_name == "tencentcloud_cbs_snapshot_group" {
                body["Response"]["SnapshotSet"] = json!([member]);
            }
            body
        };
        let found = lookup_answered(&answer(item.clone()), type_name, &request)
            .await
            .expect("a whole answer");
        assert_eq!(found.len(), 1, "{type_name}: the whole item is found");
        for field in required {
            let mut stripped = item.clone();
            stripped.as_object_mut().expect("an object").remove(field);
            let error = lookup_answered(&answer(stripped), type_name, &request)
                .await
                .expect_err(&format!("{type_name} without {field}"));
            assert_eq!(
                error.code, "InvalidResponse",
                "{type_name} without {field}: {error}"
            );
        }
        let mut unnamed = item.clone();
        unnamed.as_object_mut().expect("an object").remove(name);
        let found = lookup_answered(&answer(unnamed), type_name, &request)
            .await
            .expect("an answer without the optional name");
        assert_eq!(
            found.len(),
            1,
            "{type_name} without {name} stays a candidate"
        );
    }
    // A snapshot recorded before creates were tagged is looked up by instance and name, where
    // an answer without tags is a whole one.
    let mut untagged = lighthouse_item();
    untagged.as_object_mut().expect("an object").remove("Tags");
    let answer =
        json!({"Response": {"RequestId": "x", "TotalCount": 1, "SnapshotSet": [untagged]}});
    let found = lookup_answered(
        &answer,
        "tencentcloud_lighthouse_snapshot",
        &request(
            args(&[
                ("instance_id", s("lhins-00000001")),
                ("snapshot_name", s("nightly")),
            ]),
            "",
        ),
    )
    .await
    .expect("an untagged lookup needs no tags");
    assert_eq!(found.len(), 1);
}

fn lighthouse_item() -> serde_json::Value {
    serde_json::json!({
        "SnapshotId": "lhsnap-00000001", "SnapshotName": "nightly", "SnapshotState": "NORMAL",
        "CreatedTime": "2026-12-05T02:00:01Z",
        "Tags": [{"Key": snapform_provider::INTENT_TAG, "Value": "intent-1"}],
    })
}

/// Looks up what a create with `arguments` and no intent tag made.
async fn lookup(
    provider: &std::sync::Arc<dyn snapform_provider::Provider>,
    type_name: &str,
    arguments: &snapform_provider::Attributes,
) -> Result<Vec<snapform_provider::ResourceState>, snapform_provider::Error> {
    let request = snapform_provider::LookupRequest {
        arguments: arguments.clone(),
        intent_id: String::new(),
        not_before: None,
    };
    let mut found = provider
        .lookup_many(type_name, std::slice::from_ref(&request))
        .await?;
    Ok(found.pop().unwrap_or_default())
}

/// An emulator holding `n` disks (two per instance) and `n` Lighthouse instances, snapshots
/// ready at once, no rate limit; and a provider that does not limit itself either.
async fn fleet(n: usize) -> (RunningEmulator, TencentCloud) {
    let emulator = snapform_emulator::spawn(EmulatorConfig {
        inventory: snapform_emulator::Inventory::generated(n),
        ready_after: Duration::ZERO,
        rate_limit: 0,
        ..EmulatorConfig::default()
    })
    .await
    .expect("the emulator starts");
    let provider = provider_for(&emulator, 100_000.0);
    (emulator, provider)
}

fn requests(stats: &serde_json::Value, key: &str) -> u64 {
    stats["requests"][key].as_u64().unwrap_or(0)
}

async fn clear_stats(emulator: &RunningEmulator) {
    reqwest::Client::new()
        .delete(format!("{}/_emulator/stats", emulator.endpoint()))
        .send()
        .await
        .expect("stats cleared");
}

fn filter(arguments: &[(&str, &[&str])], names: &[&str]) -> snapform_provider::DiscoverFilter {
    snapform_provider::DiscoverFilter {
        arguments: arguments
            .iter()
            .map(|(name, values)| {
                (
                    (*name).to_owned(),
                    values.iter().map(|value| (*value).to_owned()).collect(),
                )
            })
            .collect(),
        names: names
            .iter()
            .map(|name| snapform_provider::NameGlob::new(name))
            .collect(),
    }
}

#[tokio::test]
async fn discovery_lists_a_thousand_snapshots_of_each_type_in_a_page_per_hundred() {
    let (emulator, provider) = fleet(1000).await;
    let mut backups = Vec::new();
    for idx in 0..1000 {
        let arguments = args(&[
            ("disk_id", s(&format!("disk-g{:07}", idx % 250))),
            ("disk_backup_name", s(&format!("nightly-{idx:04}"))),
        ]);
        backups.push(
            provider
                .create("tencentcloud_cbs_disk_backup", &arguments, "")
                .await
                .expect("created"),
        );
    }
    let mut groups = Vec::new();
    for instance in 0..500 {
        let disks = Value::set([
            s(&format!("disk-g{:07}", 2 * instance)),
            s(&format!("disk-g{:07}", 2 * instance + 1)),
        ]);
        let mut arguments = args(&[("snapshot_group_name", s(&format!("pair-{instance:03}")))]);
        arguments.insert("disk_ids".to_owned(), disks);
        groups.push(
            provider
                .create("tencentcloud_cbs_snapshot_group", &arguments, "")
                .await
                .expect("created"),
        );
    }
    let mut sites = Vec::new();
    for idx in 0..1000 {
        let arguments = args(&[
            ("instance_id", s(&format!("lhins-g{idx:07}"))),
            ("snapshot_name", s(&format!("site-{idx:04}"))),
        ]);
        sites.push(
            provider
                .create("tencentcloud_lighthouse_snapshot", &arguments, "intent")
                .await
                .expect("created"),
        );
    }
    clear_stats(&emulator).await;
    let everything = snapform_provider::DiscoverFilter::default();

    let found = provider
        .discover("tencentcloud_cbs_disk_backup", &everything)
        .await
        .expect("listed");
    backups.sort();
    assert_eq!(
        found
            .found
            .iter()
            .map(|state| state.id.clone())
            .collect::<Vec<_>>(),
        backups
    );
    let first = found
        .found
        .iter()
        .find(|state| state.attributes["disk_backup_name"] == s("nightly-0000"))
        .expect("the first backup");
    assert_eq!(first.attributes["disk_id"], s("disk-g0000000"));
    assert_eq!(first.readiness, Readiness::Ready);

    let found = provider
        .discover("tencentcloud_cbs_snapshot_group", &everything)
        .await
        .expect("listed");
    assert_eq!(found.found.len(), 500);
    assert!(found.left_out.is_empty(), "{:?}", found.left_out);
    let pair = found
        .found
        .iter()
        .find(|state| state.attributes["snapshot_group_name"] == s("pair-007"))
        .expect("a group");
    assert_eq!(
        pair.attributes["disk_ids"],
        Value::set([s("disk-g0000014"), s("disk-g0000015")]),
        "the disks come from the member snapshots"
    );

    let found = provider
        .discover("tencentcloud_lighthouse_snapshot", &everything)
        .await
        .expect("listed");
    assert_eq!(found.found.len(), 1000);
    let site = found
        .found
        .iter()
        .find(|state| state.attributes["snapshot_name"] == s("site-0042"))
        .expect("a snapshot");
    assert_eq!(
        site.attributes["instance_id"],
        s("lhins-g0000042"),
        "the instance comes from its system disk"
    );

    // A page of 100 per call: 10 for 1,000 backups; 5 for 500 groups plus 10 for their 1,000
    // member snapshots; 10 for 1,000 instances plus 10 for 1,000 Lighthouse snapshots.
    let stats = stats(&emulator).await;
    assert_eq!(requests(&stats, "cbs.DescribeDiskBackups"), 10);
    assert_eq!(requests(&stats, "cbs.DescribeSnapshotGroups"), 5);
    assert_eq!(requests(&stats, "cbs.DescribeSnapshots"), 10);
    assert_eq!(requests(&stats, "lighthouse.DescribeInstances"), 10);
    assert_eq!(requests(&stats, "lighthouse.DescribeSnapshots"), 10);
    assert_eq!(stats["total_requests"], 45);
    emulator.shutdown().await;
}

#[tokio::test]
async fn discovery_filters_by_parent_and_name_on_the_server_where_it_can() {
    let (emulator, provider) = fleet(8).await;
    for (disk, name) in [
        ("disk-g0000000", "nightly-a"),
        ("disk-g0000000", "weekly-a"),
        ("disk-g0000001", "nightly-b"),
        ("disk-g0000002", "nightly-c"),
    ] {
        let arguments = args(&[("disk_id", s(disk)), ("disk_backup_name", s(name))]);
        provider
            .create("tencentcloud_cbs_disk_backup", &arguments, "")
            .await
            .expect("created");
    }
    for (disks, name) in [
        (["disk-g0000000", "disk-g0000001"], "app"),
        (["disk-g0000002", "disk-g0000003"], "db"),
    ] {
        let mut arguments = args(&[("snapshot_group_name", s(name))]);
        arguments.insert(
            "disk_ids".to_owned(),
            Value::set(disks.iter().map(|disk| s(disk))),
        );
        provider
            .create("tencentcloud_cbs_snapshot_group", &arguments, "")
            .await
            .expect("created");
    }
    for (instance, name) in [
        ("lhins-g0000000", "blog"),
        ("lhins-g0000001", "blog"),
        ("lhins-g0000002", "shop"),
    ] {
        let arguments = args(&[("instance_id", s(instance)), ("snapshot_name", s(name))]);
        provider
            .create("tencentcloud_lighthouse_snapshot", &arguments, "")
            .await
            .expect("created");
    }
    let names = |discovered: snapform_provider::Discovered, argument: &str| -> Vec<String> {
        let mut names: Vec<String> = discovered
            .found
            .iter()
            .map(|state| state.attributes[argument].as_str().unwrap_or("").to_owned())
            .collect();
        names.sort();
        names
    };
    let by_disk_and_name = provider
        .discover(
            "tencentcloud_cbs_disk_backup",
            &filter(
                &[("disk_id", &["disk-g0000000", "disk-g0000002"])],
                &["nightly-*"],
            ),
        )
        .await
        .expect("listed");
    assert_eq!(
        names(by_disk_and_name, "disk_backup_name"),
        ["nightly-a", "nightly-c"]
    );
    // A group holding the disk, with all of its disks.
    let by_member_disk = provider
        .discover(
            "tencentcloud_cbs_snapshot_group",
            &filter(&[("disk_ids", &["disk-g0000003"])], &[]),
        )
        .await
        .expect("listed");
    assert_eq!(by_member_disk.found.len(), 1);
    assert_eq!(
        by_member_disk.found[0].attributes["disk_ids"],
        Value::set([s("disk-g0000002"), s("disk-g0000003")])
    );
    let by_exact_name = provider
        .discover("tencentcloud_cbs_snapshot_group", &filter(&[], &["app"]))
        .await
        .expect("listed");
    assert_eq!(names(by_exact_name, "snapshot_group_name"), ["app"]);
    let by_instance = provider
        .discover(
            "tencentcloud_lighthouse_snapshot",
            &filter(
                &[("instance_id", &["lhins-g0000001", "lhins-g0000002"])],
                &[],
            ),
        )
        .await
        .expect("listed");
    let mut instances: Vec<String> = by_instance
        .found
        .iter()
        .map(|state| {
            state.attributes["instance_id"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    instances.sort();
    assert_eq!(instances, ["lhins-g0000001", "lhins-g0000002"]);

    // An instance that is gone leaves its snapshot without an instance: left out, saying why.
    let mut inventory = snapform_emulator::Inventory::generated(8);
    inventory
        .tencentcloud
        .get_mut("ap-guangzhou")
        .expect("the region")
        .lighthouse_instances
        .retain(|instance| instance.id != "lhins-g0000002");
    let answer = reqwest::Client::new()
        .put(format!("{}/_emulator/inventory", emulator.endpoint()))
        .json(&inventory)
        .send()
        .await
        .expect("inventory replaced");
    assert!(answer.status().is_success());
    let without_instance = provider
        .discover(
            "tencentcloud_lighthouse_snapshot",
            &snapform_provider::DiscoverFilter::default(),
        )
        .await
        .expect("listed");
    assert_eq!(without_instance.found.len(), 2);
    assert_eq!(without_instance.left_out.len(), 1);
    assert_eq!(without_instance.left_out[0].name, "shop");
    assert!(
        without_instance.left_out[0]
            .reason
            .contains("belongs to no instance of region ap-guangzhou"),
        "{:?}",
        without_instance.left_out
    );
    emulator.shutdown().await;
}
