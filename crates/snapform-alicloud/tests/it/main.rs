//! The Alibaba Cloud provider against the in-process emulator: both resources' lifecycles,
//! preflight checks, batched reads, errors, retries under faults, rate limits, and signatures
//! the emulator verifies.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use snapform_alicloud::CLOUD;
use snapform_provider::{Credentials, ProviderSettings};

type AliCloud = Arc<dyn Provider>;
type AliCloudConfig = ProviderSettings;
use snapform_core::{Secret, Value};
use snapform_emulator::{EmulatorConfig, FaultConfig, ManualClock, RunningEmulator};
use snapform_provider::{
    Attributes, CreateError, ErrorKind, Provider, ReadRequest, Readiness, ResourceState,
};

const ECD: &str = "alicloud_ecd_snapshot";
const ENS: &str = "alicloud_ens_snapshot";

async fn emulator(config: EmulatorConfig) -> RunningEmulator {
    snapform_emulator::spawn(EmulatorConfig {
        ready_after: Duration::from_millis(300),
        ..config
    })
    .await
    .expect("the emulator starts")
}

fn emulator_key() -> Credentials {
    Credentials {
        key_id: snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_ID.to_owned(),
        secret: Secret::new(snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET),
        token: None,
    }
}

fn config_for(emulator: &RunningEmulator, credentials: Credentials) -> AliCloudConfig {
    let mut config = ProviderSettings::new("cn-hangzhou", credentials);
    config.endpoint = Some(emulator.endpoint());
    config.retry.min_delay = Duration::from_millis(20);
    config.retry.max_delay = Duration::from_millis(200);
    config.retry.busy_timeout = Duration::from_secs(5);
    config
}

fn provider_for(emulator: &RunningEmulator, rate_limit: f64) -> AliCloud {
    let mut config = config_for(emulator, emulator_key());
    config.rate_limit = rate_limit;
    (CLOUD.build)(config).expect("valid configuration")
}

fn args(pairs: &[(&str, &str)]) -> Attributes {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), Value::string(*value)))
        .collect()
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn read(id: &str, recorded: &Attributes) -> ReadRequest<'static> {
    ReadRequest {
        id: id.to_owned(),
        recorded: std::borrow::Cow::Owned(recorded.clone()),
    }
}

fn ids_of(states: &[ResourceState]) -> Vec<&str> {
    states.iter().map(|state| state.id.as_str()).collect()
}

/// Polls until the resource is ready, as apply will.
async fn wait_ready(
    provider: &AliCloud,
    type_name: &str,
    request: ReadRequest<'_>,
) -> ResourceState {
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

/// Polls until the resource is gone from the cloud.
async fn wait_gone(provider: &AliCloud, type_name: &str, request: ReadRequest<'_>) {
    for _ in 0..100 {
        let states = provider
            .read_many(type_name, std::slice::from_ref(&request))
            .await
            .expect("read");
        if states.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{type_name} {} was never deleted", request.id);
}

async fn stats(emulator: &RunningEmulator) -> serde_json::Value {
    reqwest::get(format!("{}/_emulator/stats", emulator.endpoint()))
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats JSON")
}

async fn clear_stats(emulator: &RunningEmulator) {
    reqwest::Client::new()
        .delete(format!("{}/_emulator/stats", emulator.endpoint()))
        .send()
        .await
        .expect("stats cleared");
}

async fn set_faults(emulator: &RunningEmulator, faults: serde_json::Value) {
    reqwest::Client::new()
        .post(format!("{}/_emulator/faults", emulator.endpoint()))
        .json(&faults)
        .send()
        .await
        .expect("faults set");
}

fn calls(counts: &serde_json::Value, key: &str) -> u64 {
    counts["requests"][key].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn ecd_snapshot_lifecycle() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    // The description carries every character that encodes differently in the signature and
    // on the wire; the emulator verifies each request's signature.
    let arguments = args(&[
        ("desktop_id", "ecd-qs1000000000001"),
        ("snapshot_name", "nightly"),
        ("source_disk_type", "system"),
        (
            "description",
            "nightly + weekly * ~ 每日 (v2) a&b=c/d%e'f! 📸",
        ),
    ]);
    let id = provider.create(ECD, &arguments, "").await.expect("created");
    assert!(id.starts_with("s-"), "{id}");

    let first = provider
        .read_many(ECD, &[read(&id, &arguments)])
        .await
        .expect("read");
    assert!(matches!(
        first[0].readiness,
        Readiness::Creating { .. } | Readiness::Ready
    ));
    let state = wait_ready(&provider, ECD, read(&id, &arguments)).await;
    assert_eq!(state.attributes["desktop_id"], s("ecd-qs1000000000001"));
    assert_eq!(state.attributes["snapshot_name"], s("nightly"));
    assert_eq!(
        state.attributes["source_disk_type"],
        s("SYSTEM"),
        "the cloud's spelling"
    );
    assert_eq!(state.attributes["description"], arguments["description"]);
    assert_eq!(state.attributes["status"], s("ACCOMPLISHED"));
    assert_eq!(state.attributes["progress"], s("100%"));
    assert!(
        state.attributes["create_time"]
            .as_str()
            .is_some_and(|time| time.ends_with('Z') && time.contains('T'))
    );

    // Read without a recorded desktop: a single-ID call.
    let unrecorded = provider
        .read_many(ECD, &[read(&id, &Attributes::new())])
        .await
        .expect("read");
    assert_eq!(ids_of(&unrecorded), [id.as_str()]);

    let found = lookup(&provider, ECD, &arguments).await.expect("lookup");
    assert_eq!(ids_of(&found), [id.as_str()]);
    let other_disk = args(&[
        ("desktop_id", "ecd-qs1000000000001"),
        ("snapshot_name", "nightly"),
        ("source_disk_type", "DATA"),
    ]);
    assert!(
        lookup(&provider, ECD, &other_disk)
            .await
            .expect("lookup")
            .is_empty()
    );

    let error = provider
        .update(ECD, &id, &arguments)
        .await
        .expect_err("no update in place");
    assert_eq!(error.kind, ErrorKind::Permanent);

    let outcomes = provider.delete_many(ECD, std::slice::from_ref(&id)).await;
    assert!(outcomes[0].1.is_ok(), "{outcomes:?}");
    wait_gone(&provider, ECD, read(&id, &arguments)).await;
    // Deleting what is gone counts as done.
    let again = provider.delete_many(ECD, std::slice::from_ref(&id)).await;
    assert!(again[0].1.is_ok(), "{again:?}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn ens_snapshot_lifecycle_with_rename() {
    // The cloud's time moves only when told, so the deleting state is sure to be seen.
    let clock = ManualClock::new(SystemTime::now());
    let emulator = emulator(EmulatorConfig {
        clock: Arc::new(clock.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let provider = provider_for(&emulator, 20.0);
    let arguments = args(&[
        ("ens_region_id", "cn-shenzhen-3"),
        ("disk_id", "d-qs10000000000000001"),
        ("snapshot_name", "edge:nightly"),
        ("description", "edge + weekly * ~ 边缘 (v2) a&b=c/d%e'f!"),
    ]);
    let id = provider.create(ENS, &arguments, "").await.expect("created");
    assert!(id.starts_with("sp-"), "{id}");
    clock.advance(Duration::from_secs(1));
    let state = wait_ready(&provider, ENS, read(&id, &arguments)).await;
    assert_eq!(state.attributes["ens_region_id"], s("cn-shenzhen-3"));
    assert_eq!(state.attributes["disk_id"], s("d-qs10000000000000001"));
    assert_eq!(state.attributes["snapshot_name"], s("edge:nightly"));
    assert_eq!(state.attributes["description"], arguments["description"]);
    assert_eq!(state.attributes["status"], s("available"));
    assert!(state.attributes.contains_key("creation_time"));

    let renamed = args(&[
        ("ens_region_id", "cn-shenzhen-3"),
        ("disk_id", "d-qs10000000000000001"),
        ("snapshot_name", "edge-weekly"),
        ("description", "renamed in place"),
    ]);
    provider
        .update(ENS, &id, &renamed)
        .await
        .expect("renamed in place");
    let state = wait_ready(&provider, ENS, read(&id, &renamed)).await;
    assert_eq!(state.attributes["snapshot_name"], s("edge-weekly"));
    assert_eq!(state.attributes["description"], s("renamed in place"));
    let found = lookup(&provider, ENS, &renamed).await.expect("lookup");
    assert_eq!(ids_of(&found), [id.as_str()]);
    assert!(
        lookup(&provider, ENS, &arguments)
            .await
            .expect("lookup")
            .is_empty(),
        "the old name is gone"
    );

    let outcomes = provider.delete_many(ENS, std::slice::from_ref(&id)).await;
    assert!(outcomes[0].1.is_ok(), "{outcomes:?}");
    // ENS deletes asynchronously: the snapshot shows as deleting first.
    let states = provider
        .read_many(ENS, &[read(&id, &renamed)])
        .await
        .expect("read");
    assert_eq!(ids_of(&states), [id.as_str()]);
    assert_eq!(states[0].readiness, Readiness::Deleting);
    clock.advance(Duration::from_secs(1));
    wait_gone(&provider, ENS, read(&id, &renamed)).await;
    let again = provider.delete_many(ENS, std::slice::from_ref(&id)).await;
    assert!(again[0].1.is_ok(), "{again:?}");
    let error = provider.update(ENS, &id, &renamed).await.expect_err("gone");
    assert_eq!(
        (error.kind, error.code.as_str()),
        (ErrorKind::NotFound, "SnapshotIdNotFound")
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn preflight_finds_unknown_desktops_desktops_in_a_wrong_state_and_unknown_disks() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let snapshots = [
        args(&[("desktop_id", "ecd-qs1000000000001")]),
        args(&[("desktop_id", "ecd-qs1000000000002")]),
        args(&[("desktop_id", "ecd-qs1000000000003")]),
        args(&[("desktop_id", "ecd-nosuch000000001")]),
        // A desktop of another region does not exist in this one.
        args(&[("desktop_id", "ecd-qs2000000000001")]),
    ];
    let problems = provider
        .preflight(ECD, &creates(&snapshots))
        .await
        .expect("preflight");
    let codes: Vec<Vec<&str>> = problems
        .iter()
        .map(|found| found.iter().map(|problem| problem.code).collect())
        .collect();
    assert_eq!(
        codes,
        [
            vec![],
            vec![],
            vec!["desktop-state"],
            vec!["parent-not-found"],
            vec!["parent-not-found"]
        ]
    );
    assert_eq!(problems[2][0].argument, "desktop_id");
    assert!(
        problems[2][0].message.contains("Starting"),
        "{}",
        problems[2][0].message
    );
    assert_eq!(
        calls(&stats(&emulator).await, "ecd.DescribeDesktops"),
        1,
        "one call for all desktops"
    );

    let edge = [
        args(&[
            ("ens_region_id", "cn-shenzhen-3"),
            ("disk_id", "d-qs10000000000000001"),
        ]),
        args(&[
            ("ens_region_id", "cn-shenzhen-3"),
            ("disk_id", "d-nosuch0000000000001"),
        ]),
        // The disk exists, but in another edge region.
        args(&[
            ("ens_region_id", "cn-shenzhen-3"),
            ("disk_id", "d-qs20000000000000001"),
        ]),
        args(&[
            ("ens_region_id", "cn-beijing-15"),
            ("disk_id", "d-qs20000000000000001"),
        ]),
    ];
    let problems = provider
        .preflight(ENS, &creates(&edge))
        .await
        .expect("preflight");
    let codes: Vec<Vec<&str>> = problems
        .iter()
        .map(|found| found.iter().map(|problem| problem.code).collect())
        .collect();
    assert_eq!(
        codes,
        [
            vec![],
            vec!["parent-not-found"],
            vec!["parent-not-found"],
            vec![]
        ]
    );
    assert_eq!(problems[1][0].argument, "disk_id");
    emulator.shutdown().await;
}

#[tokio::test]
async fn ecd_reads_list_per_desktop_and_deletes_100_per_call() {
    // Ready at once and no cloud rate limit, so 30 creates take no time.
    let cloud = snapform_emulator::spawn(EmulatorConfig {
        ready_after: Duration::ZERO,
        rate_limit: 0,
        ..EmulatorConfig::default()
    })
    .await
    .expect("the emulator starts");
    let provider = provider_for(&cloud, 1000.0);
    let mut requests = Vec::new();
    for n in 0..30 {
        let desktop = if n % 2 == 0 {
            "ecd-qs1000000000001"
        } else {
            "ecd-qs1000000000002"
        };
        let arguments = args(&[
            ("desktop_id", desktop),
            ("snapshot_name", &format!("batch-{n:02}")),
            (
                "source_disk_type",
                if n % 4 < 2 { "system" } else { "data" },
            ),
        ]);
        let id = provider.create(ECD, &arguments, "").await.expect("created");
        requests.push(read(&id, &arguments));
    }
    clear_stats(&cloud).await;
    let states = provider.read_many(ECD, &requests).await.expect("read");
    assert_eq!(states.len(), 30);
    assert!(
        states
            .iter()
            .all(|state| state.readiness == Readiness::Ready)
    );
    let counts = stats(&cloud).await;
    assert_eq!(
        calls(&counts, "ecd.DescribeSnapshots"),
        2,
        "one listing per desktop: {counts}"
    );

    // IDs that are gone are left out, and cost nothing more.
    clear_stats(&cloud).await;
    let mut with_gone = requests.clone();
    with_gone.push(read("s-gone0000000000000001", &requests[0].recorded));
    let states = provider.read_many(ECD, &with_gone).await.expect("read");
    assert_eq!(states.len(), 30);
    assert_eq!(calls(&stats(&cloud).await, "ecd.DescribeSnapshots"), 2);

    clear_stats(&cloud).await;
    let mut ids: Vec<String> = requests.iter().map(|request| request.id.clone()).collect();
    ids.push("s-gone0000000000000001".to_owned());
    let outcomes = provider.delete_many(ECD, &ids).await;
    assert!(
        outcomes.iter().all(|(_, outcome)| outcome.is_ok()),
        "{outcomes:?}"
    );
    assert_eq!(outcomes.len(), 31);
    let counts = stats(&cloud).await;
    assert!(
        calls(&counts, "ecd.DeleteSnapshot") <= 2,
        "the gone ID is dropped from the batch, not deleted one by one: {counts}"
    );
    assert!(
        provider
            .read_many(ECD, &requests)
            .await
            .expect("read")
            .is_empty()
    );
    cloud.shutdown().await;
}

#[tokio::test]
async fn ens_reads_are_batched_100_ids_per_call() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 1000.0);
    let arguments = args(&[
        ("ens_region_id", "cn-beijing-15"),
        ("disk_id", "d-qs20000000000000001"),
        ("snapshot_name", "among-many"),
    ]);
    let real = provider.create(ENS, &arguments, "").await.expect("created");
    let mut requests: Vec<ReadRequest> = (0..249)
        .map(|n| read(&format!("sp-{n:024}"), &Attributes::new()))
        .collect();
    requests.insert(150, read(&real, &arguments));
    clear_stats(&emulator).await;
    let states = provider.read_many(ENS, &requests).await.expect("read");
    assert_eq!(ids_of(&states), [real.as_str()]);
    let counts = stats(&emulator).await;
    assert_eq!(calls(&counts, "ens.DescribeSnapshots"), 3, "{counts}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn errors_keep_the_clouds_code_message_and_request_id() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let error = provider
        .create(
            ECD,
            &args(&[
                ("desktop_id", "ecd-nosuch000000001"),
                ("snapshot_name", "nightly"),
                ("source_disk_type", "data"),
            ]),
            "",
        )
        .await
        .expect_err("unknown desktop");
    let CreateError::Rejected(error) = error else {
        panic!("a refused create is not an unknown outcome: {error}")
    };
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert_eq!(error.action, "CreateSnapshot");
    assert_eq!(error.code, "InvalidDesktopId.NotFound");
    assert!(error.request_id.is_some());
    assert!(error.message.contains("ecd-nosuch000000001"), "{error}");

    let error = provider
        .create(
            ENS,
            &args(&[
                ("ens_region_id", "cn-shenzhen-3"),
                ("disk_id", "d-nosuch0000000000001"),
            ]),
            "",
        )
        .await
        .expect_err("unknown disk");
    assert!(matches!(error, CreateError::Rejected(_)), "{error}");
    assert_eq!(error.error().code, "InvalidDiskId.NotFound");
    assert_eq!(error.error().kind, ErrorKind::Permanent);

    // A wrong key or secret is an auth failure, never retried.
    for credentials in [
        Credentials {
            key_id: "LTAInotakey".to_owned(),
            ..emulator_key()
        },
        Credentials {
            secret: Secret::new("wrong"),
            ..emulator_key()
        },
    ] {
        clear_stats(&emulator).await;
        let stranger =
            (CLOUD.build)(config_for(&emulator, credentials)).expect("valid configuration");
        let error = stranger
            .read_many(
                ENS,
                &[read("sp-000000000000000000000000", &Attributes::new())],
            )
            .await
            .expect_err("refused");
        assert_eq!(error.kind, ErrorKind::Permanent, "{error}");
        assert!(
            ["InvalidAccessKeyId.NotFound", "SignatureDoesNotMatch"].contains(&error.code.as_str()),
            "{error}"
        );
        assert!(error.request_id.is_some());
        assert_eq!(stats(&emulator).await["total_requests"], 1, "not retried");
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn temporary_credentials_are_signed_and_accepted() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let credentials = Credentials {
        token: Some(Secret::new("CAIS+sts/token==")),
        ..emulator_key()
    };
    let provider = (CLOUD.build)(config_for(&emulator, credentials)).expect("valid");
    let arguments = args(&[
        ("desktop_id", "ecd-qs1000000000002"),
        ("snapshot_name", "sts-snapshot"),
        ("source_disk_type", "Data"),
    ]);
    let id = provider.create(ECD, &arguments, "").await.expect("created");
    let found = lookup(&provider, ECD, &arguments).await.expect("lookup");
    assert_eq!(ids_of(&found), [id.as_str()]);
    emulator.shutdown().await;
}

/// Sends 50 single-ID reads at once from `provider`, as apply's parallel waiters do.
async fn fifty_reads_at_once(provider: AliCloud) {
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..50 {
        let provider = provider.clone();
        tasks.spawn(async move {
            provider
                .read_many(ENS, &[read(&format!("sp-{n:024}"), &Attributes::new())])
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
async fn throttling_and_server_errors_are_retried_and_retry_after_is_kept() {
    let faults = FaultConfig {
        server_error: 0.2,
        throttle: 0.3,
        reset: 0.1,
        ..FaultConfig::default()
    };
    let cloud = emulator(EmulatorConfig {
        faults,
        seed: 7,
        ..EmulatorConfig::default()
    })
    .await;
    let provider = provider_for(&cloud, 100.0);
    for n in 0..20 {
        provider
            .read_many(ENS, &[read(&format!("sp-{n:024}"), &Attributes::new())])
            .await
            .expect("reads are retried until they pass");
    }
    let counts = stats(&cloud).await;
    assert!(
        counts["total_requests"].as_u64().unwrap_or(0) > 20,
        "{counts}"
    );

    // With no retries left, the throttling error carries the delay the cloud asked for
    // (`x-acs-retry-after`, in milliseconds).
    set_faults(&cloud, serde_json::json!({"throttle": 1.0})).await;
    let mut config = config_for(&cloud, emulator_key());
    config.retry.max_attempts = 0;
    config.retry.max_delay = Duration::from_secs(10);
    let impatient = (CLOUD.build)(config).expect("valid");
    let error = impatient
        .read_many(
            ENS,
            &[read("sp-000000000000000000000000", &Attributes::new())],
        )
        .await
        .expect_err("throttled");
    assert_eq!(
        (error.kind, error.code.as_str()),
        (ErrorKind::Throttled, "Throttling.User")
    );
    assert_eq!(error.retry_after, Some(Duration::from_secs(1)));
    assert!(error.request_id.is_some());

    // A 5xx is transient, and may have been applied.
    set_faults(&cloud, serde_json::json!({"5xx": 1.0})).await;
    let error = impatient
        .create(
            ENS,
            &args(&[
                ("ens_region_id", "cn-shenzhen-3"),
                ("disk_id", "d-qs10000000000000002"),
            ]),
            "",
        )
        .await
        .expect_err("server error");
    let CreateError::OutcomeUnknown(error) = error else {
        panic!("a 5xx after sending is an unknown outcome: {error}")
    };
    assert_eq!(error.kind, ErrorKind::Transient);
    assert!(error.maybe_applied);
    cloud.shutdown().await;
}

#[tokio::test]
async fn lost_creates_are_reported_as_unknown_and_found_by_lookup() {
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
    let desktop_snapshot = args(&[
        ("desktop_id", "ecd-qs1000000000001"),
        ("snapshot_name", "lost-once"),
        ("source_disk_type", "DATA"),
    ]);
    let edge_snapshot = args(&[
        ("ens_region_id", "cn-shenzhen-3"),
        ("disk_id", "d-qs10000000000000002"),
        ("snapshot_name", "lost-once"),
    ]);
    for (type_name, arguments) in [(ECD, &desktop_snapshot), (ENS, &edge_snapshot)] {
        match provider.create(type_name, arguments, "").await {
            Err(CreateError::OutcomeUnknown(error)) => {
                assert_eq!(error.kind, ErrorKind::Transient);
                assert!(error.maybe_applied);
            }
            other => panic!("expected an unknown outcome, got {other:?}"),
        }
    }
    let counts = stats(&cloud).await;
    assert_eq!(
        calls(&counts, "ecd.CreateSnapshot"),
        1,
        "never resent: {counts}"
    );
    assert_eq!(
        calls(&counts, "ens.CreateSnapshot"),
        1,
        "never resent: {counts}"
    );
    set_faults(&cloud, serde_json::json!({})).await;
    for (type_name, arguments) in [(ECD, &desktop_snapshot), (ENS, &edge_snapshot)] {
        let found = lookup(&provider, type_name, arguments)
            .await
            .expect("lookup");
        assert_eq!(
            found.len(),
            1,
            "the lost {type_name} create took effect and is found by parent and name"
        );
    }
    cloud.shutdown().await;
}

#[tokio::test]
async fn busy_parents_are_waited_for() {
    let emulator = emulator(EmulatorConfig::default()).await;
    let provider = provider_for(&emulator, 20.0);
    let first = args(&[
        ("desktop_id", "ecd-qs1000000000002"),
        ("snapshot_name", "first"),
        ("source_disk_type", "system"),
    ]);
    let second = args(&[
        ("desktop_id", "ecd-qs1000000000002"),
        ("snapshot_name", "second"),
        ("source_disk_type", "system"),
    ]);
    provider.create(ECD, &first, "").await.expect("created");
    // The disk is busy until the first snapshot is ready; the create waits it out.
    provider
        .create(ECD, &second, "")
        .await
        .expect("created after waiting");
    let counts = stats(&emulator).await;
    assert!(
        counts["errors"]["IncorrectDiskStatus.CreatingSnapshot"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "{counts}"
    );
    for arguments in [&first, &second] {
        assert_eq!(
            lookup(&provider, ECD, arguments)
                .await
                .expect("lookup")
                .len(),
            1
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn timeouts_may_have_applied_but_refused_connections_did_not() {
    let slow = emulator(EmulatorConfig {
        latency: Duration::from_secs(2),
        ..EmulatorConfig::default()
    })
    .await;
    let mut config = config_for(&slow, emulator_key());
    config.request_timeout = Duration::from_millis(200);
    let impatient = (CLOUD.build)(config).expect("valid");
    let arguments = args(&[
        ("desktop_id", "ecd-qs1000000000001"),
        ("snapshot_name", "slow"),
        ("source_disk_type", "system"),
    ]);
    match impatient.create(ECD, &arguments, "").await {
        Err(CreateError::OutcomeUnknown(error)) => {
            assert_eq!(
                (error.kind, error.code.as_str()),
                (ErrorKind::Transient, "Timeout")
            );
        }
        other => panic!("a timed-out create has an unknown outcome, got {other:?}"),
    }
    slow.shutdown().await;

    // Nothing listens on a port just released: the connection is refused, so the create
    // surely never arrived and is retried, then reported as refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut config = ProviderSettings::new("cn-hangzhou", emulator_key());
    config.endpoint = Some(format!("http://127.0.0.1:{port}"));
    config.retry.min_delay = Duration::from_millis(1);
    config.retry.max_delay = Duration::from_millis(4);
    let nowhere = (CLOUD.build)(config).expect("valid");
    match nowhere.create(ECD, &arguments, "").await {
        Err(CreateError::Rejected(error)) => {
            assert_eq!(
                (error.kind, error.code.as_str(), error.maybe_applied),
                (ErrorKind::Transient, "ConnectionFailed", false)
            );
        }
        other => panic!("a refused connection made nothing, got {other:?}"),
    }
}

/// A provider pointed at a server that answers like a broken or hostile cloud, with short
/// timeouts so each case ends quickly.
fn provider_at(endpoint: String) -> AliCloud {
    let mut config = ProviderSettings::new("cn-hangzhou", emulator_key());
    config.endpoint = Some(endpoint);
    config.request_timeout = Duration::from_secs(2);
    config.max_response_bytes = 1024 * 1024;
    config.retry.min_delay = Duration::from_millis(10);
    config.retry.max_delay = Duration::from_millis(50);
    config.retry.call_deadline = Duration::from_secs(5);
    (CLOUD.build)(config).expect("valid configuration")
}

fn ecd_create() -> Attributes {
    args(&[
        ("desktop_id", "ecd-qs1000000000001"),
        ("snapshot_name", "hostile"),
        ("source_disk_type", "system"),
    ])
}

#[tokio::test]
async fn an_error_envelope_under_http_200_is_an_error_never_a_create() {
    use snapform_test_support::hostile::{Answer, HostileServer};
    let server = HostileServer::start(Answer::Json {
        status: 200,
        body: r#"{"Code": "InvalidDesktopId.NotFound", "Message": "no such desktop", "RequestId": "R1"}"#.to_owned(),
    })
    .await;
    let provider = provider_at(server.endpoint());
    let error = provider
        .create("alicloud_ecd_snapshot", &ecd_create(), "")
        .await
        .expect_err("an error envelope is not an ID");
    assert_eq!(error.error().code, "InvalidDesktopId.NotFound");
    assert_eq!(error.error().request_id.as_deref(), Some("R1"));
}

#[tokio::test]
async fn hostile_answers_end_in_a_clear_error_within_the_deadline() {
    use snapform_test_support::hostile::{Answer, HostileServer};
    let cases = [
        (
            "malformed JSON",
            Answer::Json {
                status: 200,
                body: "{\"Snapshots\": [".to_owned(),
            },
        ),
        (
            "no list",
            Answer::Json {
                status: 200,
                body: r#"{"RequestId": "x"}"#.to_owned(),
            },
        ),
        (
            "no TotalCount",
            Answer::Json {
                status: 200,
                body: r#"{"RequestId": "x", "Snapshots": []}"#.to_owned(),
            },
        ),
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
        ("reset", Answer::Reset),
    ];
    for (what, answer) in cases {
        let server = HostileServer::start(answer).await;
        let provider = provider_at(server.endpoint());
        let started = std::time::Instant::now();
        let result = provider
            .read_many(
                "alicloud_ens_snapshot",
                &[ReadRequest {
                    id: "s-hostile".to_owned(),
                    recorded: Default::default(),
                }],
            )
            .await;
        let error = result.expect_err(what);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: took {:?}",
            started.elapsed()
        );
        assert!(!error.message.is_empty(), "{what}: {error}");
    }
}

/// A listing item without a field the lookup matches on (its desktop or disk, its edge region,
/// its disk type, its time) could be the snapshot an interrupted create made: the answer is
/// refused, never read as "nothing was made", which would create the snapshot a second time.
/// An ENS snapshot without a name stays a candidate, since ENS names are optional; ECD's are
/// required at create, so every ECD item carries one.
#[tokio::test]
async fn a_lookup_answer_missing_what_it_matches_on_is_an_error_never_nothing_found() {
    use serde_json::json;
    use snapform_test_support::hostile::{Answer, HostileServer};
    let ecd = json!({
        "SnapshotId": "s-00000001", "SnapshotName": "nightly", "Status": "ACCOMPLISHED",
        "Progress": "100%", "SourceDiskType": "SYSTEM", "DesktopId": "ecd-qs1000000000001",
        "CreationTime": "2026-12-05T02:00:01Z",
    });
    let ens = json!({
        "SnapshotId": "s-00000002", "SnapshotName": "nightly", "Status": "available",
        "CreationTime": "2026-12-05T02:00:01Z", "SourceDiskId": "d-00000001",
        "EnsRegionId": "cn-shenzhen-3",
    });
    let cases = [
        (
            ECD,
            ecd,
            ecd_create(),
            vec![
                "SnapshotId",
                "Status",
                "DesktopId",
                "SnapshotName",
                "SourceDiskType",
                "CreationTime",
            ],
            None,
        ),
        (
            ENS,
            ens,
            args(&[
                ("ens_region_id", "cn-shenzhen-3"),
                ("disk_id", "d-00000001"),
                ("snapshot_name", "nightly"),
            ]),
            vec![
                "SnapshotId",
                "Status",
                "SourceDiskId",
                "EnsRegionId",
                "CreationTime",
            ],
            Some("SnapshotName"),
        ),
    ];
    for (type_name, mut item, mut arguments, required, optional_name) in cases {
        arguments.insert("snapshot_name".to_owned(), s("nightly"));
        // Every lookup lists from the intent's time on.
        let request = snapform_provider::LookupRequest {
            arguments,
            intent_id: "intent-1".to_owned(),
            not_before: Some("2026-12-05T02:00:00Z".parse().expect("a time")),
        };
        let lookup = |item: serde_json::Value| {
            let request = request.clone();
            async move {
                let body = json!({"RequestId": "x", "TotalCount": 1, "Snapshots": [item]});
                let server = HostileServer::start(Answer::Json {
                    status: 200,
                    body: body.to_string(),
                })
                .await;
                let provider = provider_at(server.endpoint());
                let mut found = provider
                    .lookup_many(type_name, std::slice::from_ref(&request))
                    .await?;
                Ok::<_, snapform_provider::Error>(found.pop().unwrap_or_default())
            }
        };
        let found = lookup(item.clone()).await.expect("a whole answer");
        assert_eq!(found.len(), 1, "{type_name}: the whole item is found");
        for field in required {
            let mut stripped = item.clone();
            stripped.as_object_mut().expect("an object").remove(field);
            let error = lookup(stripped)
                .await
                .expect_err(&format!("{type_name} without {field}"));
            assert_eq!(
                error.code, "InvalidResponse",
                "{type_name} without {field}: {error}"
            );
        }
        if let Some(name) = optional_name {
            item.as_object_mut().expect("an object").remove(name);
            let found = lookup(item)
                .await
                .expect("an answer without the optional name");
            assert_eq!(
                found.len(),
                1,
                "{type_name} without {name} stays a candidate"
            );
        }
    }
}

fn creates(arguments: &[Attributes]) -> snapform_provider::PlannedChanges<'_> {
    snapform_provider::PlannedChanges {
        creates: arguments.iter().collect(),
        ..snapform_provider::PlannedChanges::default()
    }
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

/// An emulator holding `n` desktops and `n` edge disks, snapshots ready at once, no rate
/// limit; and a provider that does not limit itself either.
async fn fleet(n: usize) -> (RunningEmulator, AliCloud) {
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

fn discover_filter(
    arguments: &[(&str, &[&str])],
    names: &[&str],
) -> snapform_provider::DiscoverFilter {
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
    let (emulator, provider) = fleet(500).await;
    let mut desks = Vec::new();
    let mut edges = Vec::new();
    for idx in 0..1000 {
        let desktop = format!("ecd-g{:014}", idx % 500);
        let disk_type = if idx < 500 { "system" } else { "data" };
        let name = format!("desk-{idx:04}");
        let arguments = args(&[
            ("desktop_id", &desktop),
            ("snapshot_name", &name),
            ("source_disk_type", disk_type),
        ]);
        desks.push(provider.create(ECD, &arguments, "").await.expect("created"));
        let disk = format!("d-g{:019}", idx % 500);
        let name = format!("edge-{idx:04}");
        let arguments = args(&[
            ("ens_region_id", "cn-shenzhen-3"),
            ("disk_id", &disk),
            ("snapshot_name", &name),
            ("description", "nightly"),
        ]);
        edges.push(provider.create(ENS, &arguments, "").await.expect("created"));
    }
    clear_stats(&emulator).await;
    let everything = snapform_provider::DiscoverFilter::default();

    let found = provider.discover(ECD, &everything).await.expect("listed");
    desks.sort();
    assert_eq!(ids_of(&found.found), desks);
    let desk = found
        .found
        .iter()
        .find(|state| state.attributes["snapshot_name"] == s("desk-0501"))
        .expect("a snapshot");
    assert_eq!(desk.attributes["desktop_id"], s("ecd-g00000000000001"));
    assert_eq!(desk.attributes["source_disk_type"], s("DATA"));

    let found = provider.discover(ENS, &everything).await.expect("listed");
    edges.sort();
    assert_eq!(ids_of(&found.found), edges);
    let edge = &found.found[0];
    assert_eq!(edge.attributes["ens_region_id"], s("cn-shenzhen-3"));
    assert_eq!(edge.attributes["description"], s("nightly"));

    // 100 a page: 10 calls per 1,000 snapshots, for either type.
    let counts = stats(&emulator).await;
    assert_eq!(calls(&counts, "ecd.DescribeSnapshots"), 10);
    assert_eq!(calls(&counts, "ens.DescribeSnapshots"), 10);
    assert_eq!(counts["total_requests"], 20);
    emulator.shutdown().await;
}

#[tokio::test]
async fn discovery_filters_by_desktop_disk_edge_region_and_name() {
    let (emulator, provider) = fleet(4).await;
    for (desktop, disk_type, name) in [
        ("ecd-g00000000000000", "system", "nightly-a"),
        ("ecd-g00000000000000", "data", "weekly-a"),
        ("ecd-g00000000000001", "system", "nightly-b"),
    ] {
        let arguments = args(&[
            ("desktop_id", desktop),
            ("snapshot_name", name),
            ("source_disk_type", disk_type),
        ]);
        provider.create(ECD, &arguments, "").await.expect("created");
    }
    for (disk, name) in [
        ("d-g0000000000000000000", "edge-a"),
        ("d-g0000000000000000001", "edge-b"),
    ] {
        let arguments = args(&[
            ("ens_region_id", "cn-shenzhen-3"),
            ("disk_id", disk),
            ("snapshot_name", name),
        ]);
        provider.create(ENS, &arguments, "").await.expect("created");
    }
    let names = |discovered: snapform_provider::Discovered| -> Vec<String> {
        let mut names: Vec<String> = discovered
            .found
            .iter()
            .map(|state| {
                state.attributes["snapshot_name"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect();
        names.sort();
        names
    };
    let by_desktop = provider
        .discover(
            ECD,
            &discover_filter(&[("desktop_id", &["ecd-g00000000000000"])], &[]),
        )
        .await
        .expect("listed");
    assert_eq!(names(by_desktop), ["nightly-a", "weekly-a"]);
    let by_type_and_glob = provider
        .discover(
            ECD,
            &discover_filter(&[("source_disk_type", &["system"])], &["nightly-?"]),
        )
        .await
        .expect("listed");
    assert_eq!(names(by_type_and_glob), ["nightly-a", "nightly-b"]);
    let by_disk = provider
        .discover(
            ENS,
            &discover_filter(&[("disk_id", &["d-g0000000000000000001"])], &[]),
        )
        .await
        .expect("listed");
    assert_eq!(names(by_disk), ["edge-b"]);
    let in_another_edge_region = provider
        .discover(
            ENS,
            &discover_filter(&[("ens_region_id", &["cn-beijing-15"])], &[]),
        )
        .await
        .expect("listed");
    assert!(in_another_edge_region.found.is_empty());
    let by_exact_name = provider
        .discover(ENS, &discover_filter(&[], &["edge-a"]))
        .await
        .expect("listed");
    assert_eq!(names(by_exact_name), ["edge-a"]);
    emulator.shutdown().await;
}
