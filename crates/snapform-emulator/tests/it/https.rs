//! https and http on one port: the local CA, its files, and clients that trust it or not.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use snapform_emulator::{EmulatorConfig, RunningEmulator, spawn};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

use crate::client::{Answer, Client, WireError, send, send_on};
use crate::support::{clock, config};

/// An emulator on a manual clock with its CA in `dir`.
async fn start_in(dir: &Path) -> (RunningEmulator, Client) {
    let clock = clock();
    let emulator = spawn(EmulatorConfig {
        ca_dir: Some(dir.to_owned()),
        ..config(&clock)
    })
    .await
    .expect("emulator starts");
    let client = Client::new(emulator.addr()).with_clock(&clock);
    (emulator, client)
}

/// A TLS client trusting `roots` only, as any https client with a CA bundle is.
fn connector(roots: RootCertStore) -> TlsConnector {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

fn trusting(ca_file: &Path) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_file).expect("ca.pem") {
        roots.add(cert.expect("a certificate")).expect("a CA");
    }
    connector(roots)
}

/// Sends `raw` over TLS to `addr`, checking the certificate for `server_name`.
async fn send_tls(
    connector: &TlsConnector,
    addr: SocketAddr,
    server_name: &str,
    raw: crate::client::Raw,
) -> Result<Answer, WireError> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|error| WireError(error.to_string()))?;
    let name = ServerName::try_from(server_name.to_owned()).expect("a server name");
    let stream = connector
        .connect(name, stream)
        .await
        .map_err(|error| WireError(error.to_string()))?;
    send_on(stream, addr, raw).await
}

#[tokio::test]
async fn one_port_speaks_http_and_https_with_the_local_ca() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join("emulator-ca");
    let (emulator, client) = start_in(&dir).await;
    let ca_file = emulator.ca_file().expect("a CA file").to_owned();
    assert_eq!(ca_file, dir.join("ca.pem"));
    assert_eq!(
        emulator.https_endpoint(),
        Some(format!("https://{}", emulator.addr()))
    );
    let tls = trusting(&ca_file);
    // The certificate covers the IP address clients are told to use, and `localhost`.
    for (server_name, disk) in [
        ("127.0.0.1", "disk-qs100001"),
        ("localhost", "disk-qs100002"),
    ] {
        let body = json!({"DiskId": disk}).to_string();
        let raw = client.tc3_raw("cbs", "CreateDiskBackup", "ap-guangzhou", &body, None);
        let answer = send_tls(&tls, emulator.addr(), server_name, raw)
            .await
            .expect("an https answer");
        assert!(
            answer.body["Response"]["DiskBackupId"].is_string(),
            "{}",
            answer.body
        );
    }
    // Plain http on the same port.
    client
        .tc_ok("cbs", "DescribeDiskBackups", "ap-guangzhou", json!({}))
        .await;
    let (status, _) = client
        .ecd("DescribeDesktops", &[("RegionId", "cn-hangzhou")])
        .await;
    assert_eq!(status, 200);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let temp = tempfile::tempdir().expect("temp dir");
    let (emulator, client) = start_in(&temp.path().join("ca")).await;
    let raw = client.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", "{}", None);
    let untrusting = connector(RootCertStore::empty());
    let error = send_tls(&untrusting, emulator.addr(), "127.0.0.1", raw)
        .await
        .expect_err("the handshake fails");
    assert!(error.0.contains("UnknownIssuer"), "{}", error.0);
    // A failed handshake costs the server nothing.
    client
        .tc_ok("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_ca_is_made_once_and_shared_by_later_emulators() {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = temp.path().join("emulator-ca");
    let (first, _) = start_in(&dir).await;
    let ca = std::fs::read_to_string(first.ca_file().expect("CA")).expect("ca.pem");
    let (second, client) = start_in(&dir).await;
    assert_eq!(
        std::fs::read_to_string(second.ca_file().expect("CA")).expect("ca.pem"),
        ca
    );
    // The second emulator's certificate chains to the first one's CA file.
    let tls = trusting(first.ca_file().expect("CA"));
    let raw = client.tc3_raw(
        "lighthouse",
        "DescribeInstances",
        "ap-guangzhou",
        "{}",
        None,
    );
    let answer = send_tls(&tls, second.addr(), "127.0.0.1", raw)
        .await
        .expect("an https answer");
    assert!(answer.body["Response"]["InstanceSet"].is_array());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("the CA directory")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, ["ca.pem", "server-key.pem", "server.pem"]);
    first.shutdown().await;
    second.shutdown().await;
}

#[tokio::test]
async fn a_silent_connection_does_not_hold_up_shutdown() {
    let temp = tempfile::tempdir().expect("temp dir");
    let (emulator, client) = start_in(&temp.path().join("ca")).await;
    // One client connects and never speaks; another closes at once.
    let _silent = tokio::net::TcpStream::connect(emulator.addr())
        .await
        .expect("connects");
    drop(
        tokio::net::TcpStream::connect(emulator.addr())
            .await
            .expect("connects"),
    );
    let answer = send(
        emulator.addr(),
        client.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", "{}", None),
    )
    .await
    .expect("others are still served");
    assert!(answer.body["Response"]["DiskSet"].is_array());
    // Shutdown waits at most five seconds for busy connections; one waiting for its first
    // byte is not busy and must not make it wait at all.
    tokio::time::timeout(Duration::from_secs(3), emulator.shutdown())
        .await
        .expect("shutdown does not wait for the silent client");
}

#[tokio::test]
async fn without_a_ca_directory_the_port_is_plain_http() {
    let clock = clock();
    let emulator = spawn(config(&clock)).await.expect("starts");
    assert_eq!(emulator.ca_file(), None);
    assert_eq!(emulator.https_endpoint(), None);
    emulator.shutdown().await;
}
