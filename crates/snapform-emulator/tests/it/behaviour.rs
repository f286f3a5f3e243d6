//! Rate limiting, fault injection, latency, and the server's lifecycle.

use std::time::{Duration, Instant};

use serde_json::json;
use snapform_emulator::{EmulatorArgs, EmulatorConfig, FaultConfig, spawn};

use crate::client::{Client, send};
use crate::support::{clock, config, start, start_with};

/// A rate of 2 per second keeps this test independent of machine speed: ten requests take far
/// less than the second a refill of two tokens needs.
#[tokio::test]
async fn each_action_is_rate_limited_per_region() {
    let clock = clock();
    let (emulator, client, _clock) = start_with(
        EmulatorConfig {
            rate_limit: 2,
            ..config(&clock)
        },
        clock,
    )
    .await;
    let mut throttled = 0;
    for _ in 0..10 {
        let response = client
            .tc("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
            .await;
        if response["Error"]["Code"] == "RequestLimitExceeded" {
            throttled += 1;
        }
    }
    assert!((6..=8).contains(&throttled), "{throttled} throttled of 10");
    // Another action and another region have buckets of their own.
    client
        .tc_ok("cbs", "DescribeDiskBackups", "ap-guangzhou", json!({}))
        .await;
    client
        .tc_ok("cbs", "DescribeDisks", "ap-shanghai", json!({}))
        .await;
    let mut alibaba = Vec::new();
    for _ in 0..10 {
        let (status, body) = client
            .ens("DescribeDisks", &[("EnsRegionId", "cn-shenzhen-3")])
            .await;
        alibaba.push((status, body["Code"].as_str().unwrap_or("").to_owned()));
    }
    let limited: Vec<_> = alibaba
        .iter()
        .filter(|(_, code)| code == "Throttling.User")
        .collect();
    assert!((6..=8).contains(&limited.len()), "{alibaba:?}");
    assert!(limited.iter().all(|(status, _)| *status == 400));
    // The bucket refills at the rate.
    tokio::time::sleep(Duration::from_millis(600)).await;
    client
        .tc_ok("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    let stats = client.control("GET", "stats", None).await.body;
    assert_eq!(stats["throttled"]["cbs.DescribeDisks"], throttled);
    assert_eq!(stats["throttled"]["ens.DescribeDisks"], limited.len());
    assert_eq!(stats["total_throttled"], throttled + limited.len());
    assert_eq!(stats["requests"]["cbs.DescribeDisks"], 12);
    assert_eq!(stats["errors"]["RequestLimitExceeded"], throttled);
    emulator.shutdown().await;
}

#[tokio::test]
async fn alibaba_throttling_carries_retry_after() {
    let clock = clock();
    let faults = FaultConfig::parse_spec("throttle=1").expect("spec");
    let (emulator, client, _clock) = start_with(
        EmulatorConfig {
            faults,
            ..config(&clock)
        },
        clock,
    )
    .await;
    let answer = send(
        client.addr,
        client.acs3_raw(
            "2020-09-30",
            "DescribeDesktops",
            &[("RegionId", "cn-hangzhou")],
            "n",
        ),
    )
    .await
    .expect("answer");
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["Code"], "Throttling.User");
    assert!(answer.headers.contains_key("x-acs-retry-after"));
    assert_eq!(
        client
            .tc_err("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
            .await,
        "RequestLimitExceeded"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn server_errors_and_busy_faults() {
    let (emulator, client, _clock) = start().await;
    client
        .control("POST", "faults", Some(json!({"5xx": 1.0})))
        .await;
    let code = client
        .tc_err("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    assert!(
        code == "InternalError" || code == "ServiceUnavailable",
        "{code}"
    );
    let (status, body) = client
        .ecd("DescribeDesktops", &[("RegionId", "cn-hangzhou")])
        .await;
    assert!(status == 500 || status == 503, "{status}");
    assert!(body["Code"] == "InternalError" || body["Code"] == "ServiceUnavailable");
    client
        .control("POST", "faults", Some(json!({"spec": "busy=1"})))
        .await;
    assert_eq!(
        client
            .tc_err(
                "cbs",
                "CreateDiskBackup",
                "ap-guangzhou",
                json!({"DiskId": "disk-qs100001"})
            )
            .await,
        "InvalidDisk.Busy"
    );
    assert_eq!(
        client
            .tc_err(
                "lighthouse",
                "CreateInstanceSnapshot",
                "ap-guangzhou",
                json!({"InstanceId": "lhins-qs100001"})
            )
            .await,
        "UnsupportedOperation.LatestOperationUnfinished"
    );
    // Reads never get a busy answer.
    client
        .tc_ok("cbs", "DescribeDiskBackups", "ap-guangzhou", json!({}))
        .await;
    let listed = client.control("GET", "resources", None).await.body;
    assert_eq!(listed, json!([]), "busy faults change nothing");
    let stats = client.control("GET", "stats", None).await.body;
    assert_eq!(stats["faults"]["5xx"], 2);
    assert_eq!(stats["faults"]["busy"], 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn reset_drops_the_connection_and_changes_nothing() {
    let (emulator, client, _clock) = start().await;
    client
        .control("POST", "faults", Some(json!({"reset": 1.0})))
        .await;
    let raw = client.tc3_raw(
        "cbs",
        "CreateDiskBackup",
        "ap-guangzhou",
        r#"{"DiskId": "disk-qs100001"}"#,
        None,
    );
    assert!(send(client.addr, raw).await.is_err(), "no answer expected");
    // Control routes never get faults.
    assert_eq!(
        client.control("GET", "resources", None).await.body,
        json!([])
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_lost_response_still_takes_effect() {
    let (emulator, client, _clock) = start().await;
    client
        .control("POST", "faults", Some(json!({"lost": 1.0})))
        .await;
    let raw = client.tc3_raw(
        "cbs",
        "CreateDiskBackup",
        "ap-guangzhou",
        r#"{"DiskId": "disk-qs100001", "DiskBackupName": "lost"}"#,
        None,
    );
    assert!(send(client.addr, raw).await.is_err(), "no answer expected");
    let nonce = "lost-nonce";
    let raw = client.acs3_raw(
        "2017-11-10",
        "CreateSnapshot",
        &[
            ("DiskId", "d-qs10000000000000001"),
            ("EnsRegionId", "cn-shenzhen-3"),
        ],
        nonce,
    );
    assert!(send(client.addr, raw).await.is_err(), "no answer expected");
    // A read is not lost.
    client
        .tc_ok("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    let listed = client.control("GET", "resources", None).await.body;
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0]["type"], "cbs_disk_backup");
    assert_eq!(listed[0]["name"], "lost");
    assert_eq!(listed[1]["type"], "ens_snapshot");
    emulator.shutdown().await;
}

#[tokio::test]
async fn faults_are_reproducible_with_a_seed() {
    async fn run(seed: u64) -> Vec<String> {
        let clock = clock();
        let faults = FaultConfig::parse_spec("5xx=0.3,throttle=0.2").expect("spec");
        let (emulator, client, _clock) = start_with(
            EmulatorConfig {
                faults,
                seed,
                ..config(&clock)
            },
            clock,
        )
        .await;
        let mut codes = Vec::new();
        for _ in 0..40 {
            let response = client
                .tc("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
                .await;
            codes.push(
                response["Error"]["Code"]
                    .as_str()
                    .unwrap_or("ok")
                    .to_owned(),
            );
        }
        emulator.shutdown().await;
        codes
    }
    let first = run(42).await;
    assert_eq!(first, run(42).await);
    assert_ne!(first, run(43).await);
    assert!(first.iter().any(|code| code == "ok"));
    assert!(first.iter().any(|code| code == "RequestLimitExceeded"));
}

#[tokio::test]
async fn latency_is_added_to_api_answers_only() {
    let clock = clock();
    let emulator_config = EmulatorConfig {
        latency: Duration::from_millis(500),
        ..config(&clock)
    };
    let (emulator, client, _clock) = start_with(emulator_config, clock).await;
    let start = Instant::now();
    client
        .tc_ok("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    assert!(start.elapsed() >= Duration::from_millis(500));
    let start = Instant::now();
    client.control("GET", "health", None).await;
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "control routes get no latency"
    );
    client
        .control("POST", "faults", Some(json!({"latency": "1:300ms"})))
        .await;
    let start = Instant::now();
    client
        .tc_ok("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    assert!(start.elapsed() >= Duration::from_millis(800));
    emulator.shutdown().await;
}

#[tokio::test]
async fn spawn_serves_until_shutdown() {
    let emulator = spawn(EmulatorConfig::default()).await.expect("starts");
    let addr = emulator.addr();
    assert!(addr.ip().is_loopback());
    assert_eq!(emulator.endpoint(), format!("http://{addr}"));
    let client = Client::new(addr);
    assert_eq!(
        client.control("GET", "health", None).await.body["status"],
        "ok"
    );
    client
        .tc_ok("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    emulator.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening"
    );
}

#[test]
fn command_line_arguments() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: EmulatorArgs,
    }
    let cli = Cli::try_parse_from([
        "snapform",
        "--listen",
        "127.0.0.1:0",
        "--ready-after",
        "500ms",
        "--latency",
        "10ms",
        "--rate-limit",
        "5",
        "--faults",
        "5xx=0.1,latency=0.5:1s",
        "--seed",
        "9",
    ])
    .expect("valid arguments");
    let config = cli.args.to_config(None).expect("valid config");
    assert_eq!(cli.args.listen_addr().port(), 0);
    assert_eq!(config.ready_after, Duration::from_millis(500));
    assert_eq!(config.latency, Duration::from_millis(10));
    assert_eq!(config.rate_limit, 5);
    assert_eq!(config.faults.server_error, 0.1);
    assert_eq!(config.faults.latency_ms, 1000);
    assert_eq!(config.seed, 9);
    let defaults = Cli::try_parse_from(["snapform"]).expect("defaults");
    assert_eq!(
        defaults.args.listen_addr().to_string(),
        snapform_emulator::DEFAULT_LISTEN
    );
    assert_eq!(
        defaults.args.to_config(None).expect("config").rate_limit,
        20
    );
    assert!(Cli::try_parse_from(["snapform", "--ready-after", "soon"]).is_err());
    let bad_faults = Cli::try_parse_from(["snapform", "--faults", "5xx=3"]).expect("parses");
    assert!(bad_faults.args.to_config(None).is_err());
    let dir = tempfile::tempdir().expect("temp dir");
    let inventory = dir.path().join("inventory.json");
    std::fs::write(
        &inventory,
        r#"{"tencentcloud": {"ap-beijing": {"disks": [{"id": "disk-aaaaaaaa", "instance_id": "ins-aaaaaaaa", "backup_quota": 10}],
                                            "lighthouse_instances": [{"id": "lhins-aaaaaaaa"}]}},
            "alicloud": {"cn-hangzhou": {"desktops": [{"id": "ecd-aaaa", "status": "Running"}]},
                         "ens": {"cn-shenzhen-3": {"disks": [{"id": "d-aaaa"}]}}}}"#,
    )
    .expect("write inventory");
    let keys = dir.path().join("keys.json");
    std::fs::write(
        &keys,
        r#"{"tencentcloud": [{"secret_id": "AKIDfile", "secret_key": "k"}], "alicloud": []}"#,
    )
    .expect("write keys");
    let from_files = Cli::try_parse_from([
        "snapform".as_ref(),
        "--inventory".as_ref(),
        inventory.as_os_str(),
        "--keys".as_ref(),
        keys.as_os_str(),
    ])
    .expect("parses")
    .args
    .to_config(None)
    .expect("files load");
    assert_eq!(
        from_files.inventory.tencentcloud["ap-beijing"].disks[0].backup_quota,
        10
    );
    assert_eq!(
        from_files.inventory.alicloud.ens["cn-shenzhen-3"].disks[0].id,
        "d-aaaa"
    );
    assert_eq!(from_files.keys.tencentcloud[0].secret_id, "AKIDfile");
    assert!(from_files.keys.alicloud.is_empty());
    let missing =
        Cli::try_parse_from(["snapform", "--keys", "/nonexistent/keys.json"]).expect("parses");
    assert!(missing.args.to_config(None).is_err());
    let banner = snapform_emulator::banner(cli.args.listen_addr(), &config);
    assert!(banner.contains(snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID));
    assert!(banner.contains(snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET));
    assert!(banner.contains("http://127.0.0.1:0"));
}

#[tokio::test]
async fn serve_runs_on_a_bound_listener_until_shutdown() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(snapform_emulator::serve(
        listener,
        EmulatorConfig::default(),
        async {
            let _ = stopped.await;
        },
    ));
    let client = Client::new(addr);
    client
        .tc_ok("lighthouse", "DescribeInstances", "ap-guangzhou", json!({}))
        .await;
    stop.send(()).expect("server still running");
    let result = tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns after shutdown")
        .expect("task");
    assert!(result.is_ok());
}

#[tokio::test]
async fn the_binary_prints_its_banner_and_serves() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    // The CA goes to the per-user data directory, here a temporary one.
    let home = tempfile::tempdir().expect("temp dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_snapform-emulator"))
        .args(["--listen", "127.0.0.1:0", "--ready-after", "0"])
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("banner in time")
        .expect("read")
        .expect("a line");
    let endpoint = first
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://"))
        .expect("listening line has the endpoint")
        .to_owned();
    assert!(first.contains(&format!("https://{endpoint}")), "{first}");
    let addr: std::net::SocketAddr = endpoint.parse().expect("address");
    let ca_file = home.path().join(".local/share/snapform/emulator-ca/ca.pem");
    let mut banner = String::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await
    {
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("control API") {
            break;
        }
    }
    for variable in ["REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"] {
        assert!(
            banner.contains(&format!("export {variable}={}", ca_file.display())),
            "{banner}"
        );
    }
    assert!(ca_file.exists(), "the CA exists once the banner is printed");
    let client = Client::new(addr);
    let created = client
        .tc_ok(
            "cbs",
            "CreateDiskBackup",
            "ap-guangzhou",
            json!({"DiskId": "disk-qs100001"}),
        )
        .await;
    assert!(created["DiskBackupId"].is_string());
    child.start_kill().expect("stop the binary");
    let _ = child.wait().await;
}
