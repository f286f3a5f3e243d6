//! Throughput of the emulator: signed requests per second over loopback keep-alive connections.
//!
//! `cargo bench -p snapform-emulator` runs it (CI only compiles it with `cargo bench --no-run`).
//! Eight client connections send a mix of TC3-signed CBS `DescribeDiskBackups` (50 %) and
//! `CreateDiskBackup` (25 %) and ACS3-signed ENS `DescribeSnapshots` (25 %) against a generated
//! inventory, rate limiting off, and every answer is checked. The target is 5,000 requests/s on
//! two cores with the client running on the same machine. `BENCH_REQUESTS` sets the total;
//! `BENCH_HTTPS=1` sends the same over https on the same port (one TLS handshake a connection).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use snapform_emulator::{EmulatorConfig, Inventory, spawn};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};

#[allow(
    dead_code,
    reason = "the bench uses only the request builders of the test client"
)]
#[path = "../tests/it/client.rs"]
mod client;

const WORKERS: usize = 8;
const TARGET: f64 = 5_000.0;

fn main() {
    let total: usize = std::env::var("BENCH_REQUESTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(40_000);
    let https = std::env::var("BENCH_HTTPS").is_ok_and(|value| value == "1");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(total, https));
}

async fn run(total: usize, https: bool) {
    let ca_dir = tempfile::tempdir().expect("temp dir");
    let config = EmulatorConfig {
        inventory: Inventory::generated(1_000),
        rate_limit: 0,
        ready_after: Duration::ZERO,
        ca_dir: https.then(|| ca_dir.path().join("ca")),
        ..EmulatorConfig::default()
    };
    let emulator = spawn(config).await.expect("emulator starts");
    let addr = emulator.addr();
    let tls = emulator.ca_file().map(connector);
    let per_worker = total / WORKERS;
    let start = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let tls = tls.clone();
        workers.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            match tls {
                Some(tls) => {
                    let name = ServerName::try_from("127.0.0.1").expect("an IP address");
                    let stream = tls.connect(name, stream).await.expect("TLS handshake");
                    drive(stream, addr, worker, per_worker).await;
                }
                None => drive(stream, addr, worker, per_worker).await,
            }
        }));
    }
    for worker in workers {
        worker.await.expect("worker");
    }
    let elapsed = start.elapsed();
    let done = per_worker * WORKERS;
    let rate = done as f64 / elapsed.as_secs_f64();
    println!(
        "emulator throughput{}: {done} signed requests in {:.2}s = {rate:.0} requests/s ({} the {TARGET:.0}/s target)",
        if https { " over https" } else { "" },
        elapsed.as_secs_f64(),
        if rate >= TARGET { "meets" } else { "BELOW" }
    );
    emulator.shutdown().await;
}

/// A TLS client trusting only the emulator's CA.
fn connector(ca_file: &Path) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca_file).expect("ca.pem") {
        roots.add(cert.expect("a certificate")).expect("a CA");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// Sends one worker's share of the requests on one keep-alive connection, checking every
/// answer.
async fn drive<I>(io: I, addr: SocketAddr, worker: usize, per_worker: usize)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let client = client::Client::new(addr);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    for n in 0..per_worker {
        let disk = format!("disk-g{:07}", (worker * per_worker + n) % 1_000);
        let raw = match n % 4 {
            0 | 2 => client.tc3_raw(
                "cbs",
                "DescribeDiskBackups",
                "ap-guangzhou",
                &json!({"Filters": [{"Name": "disk-id", "Values": [disk]}], "Limit": 1})
                    .to_string(),
                None,
            ),
            1 => client.tc3_raw(
                "cbs",
                "CreateDiskBackup",
                "ap-guangzhou",
                &json!({"DiskId": disk}).to_string(),
                None,
            ),
            _ => client.acs3_raw(
                "2017-11-10",
                "DescribeSnapshots",
                &[("EnsRegionId", "cn-shenzhen-3"), ("PageSize", "10")],
                &format!("bench-{worker}-{n}"),
            ),
        };
        let mut builder = hyper::Request::builder()
            .method(raw.method)
            .uri(raw.path_and_query);
        for (name, value) in &raw.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let request = builder
            .body(Full::new(Bytes::from(raw.body)))
            .expect("request");
        sender.ready().await.expect("connection ready");
        let response = sender.send_request(request).await.expect("answer");
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let value: Value = serde_json::from_slice(&body).expect("JSON answer");
        assert!(status.is_success(), "{value}");
        assert!(value["Response"].get("Error").is_none(), "{value}");
    }
}
