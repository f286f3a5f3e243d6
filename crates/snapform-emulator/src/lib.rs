//! A local emulator of the Tencent Cloud and Alibaba Cloud snapshot APIs, faithful enough that
//! the official SDKs cannot tell it from the real services.
//!
//! It owns: both wire protocols (Tencent Cloud API 3.0 and Alibaba RPC), signature
//! verification (TC3-HMAC-SHA256, ACS3-HMAC-SHA256, RPC V1 HMAC-SHA1) against a key table,
//! the five snapshot-like resources and their parents (CBS disk backups and snapshot groups,
//! Lighthouse snapshots, ECD and ENS snapshots), asynchronous progress, quotas, busy codes,
//! per-action rate limits, fault injection, persistence shared between processes, and the
//! control API under `/_emulator/` (see the `control` module and the crate README).
//!
//! It deliberately does not share code with snapform's providers: a signing or encoding bug
//! copied to both sides of the wire would be invisible. It depends on no workspace crate.
//!
//! Where it sits: snapform's providers (and the official SDKs in the conformance suite) talk to
//! it over loopback HTTP, or HTTPS on the same port with a certificate from a local CA (the
//! `tls` module). `snapform emulator` serves it with [`EmulatorArgs`] + [`serve`];
//! tests and the embedded mode use [`spawn`]. The library never prints; binaries print
//! [`banner`].

mod api;
mod clock;
mod cloud;
mod config;
mod control;
mod duration;
mod error;
mod faults;
pub mod fuzz;
mod inventory;
mod json_file;
mod keys;
mod params;
mod ratelimit;
mod response;
mod server;
mod shared;
mod signature;
mod stats;
mod store;
mod sync;
mod tls;

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::clock::{Clock, ManualClock, SystemClock};
pub use crate::cloud::ResourceType;
pub use crate::config::{DEFAULT_LISTEN, EmulatorArgs, EmulatorConfig};
pub use crate::duration::parse_duration;
pub use crate::error::Error;
pub use crate::faults::FaultConfig;
pub use crate::inventory::{
    AlicloudInventory, AlicloudRegion, CbsDisk, Desktop, EnsDisk, EnsRegion, Inventory,
    LighthouseInstance, TencentRegion,
};
pub use crate::keys::{
    AlicloudKey, DEFAULT_ALICLOUD_ACCESS_KEY_ID, DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
    DEFAULT_TENCENTCLOUD_SECRET_ID, DEFAULT_TENCENTCLOUD_SECRET_KEY, KeyTable, TencentKey,
};
pub use crate::tls::user_ca_dir;

/// Serves on an already-bound listener until `shutdown` resolves (mini-redis style), then
/// lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let shared = Arc::new(shared::Shared::new(config)?);
    server::run(listener, shared, shutdown).await
}

/// An emulator serving in a background task, stopped by [`RunningEmulator::shutdown`] (or
/// when dropped, without waiting).
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    ca_file: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), Error>>>,
}

impl RunningEmulator {
    /// The bound address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: the endpoint to give every service.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `https://127.0.0.1:PORT`, the same port over TLS, when the configuration has a CA
    /// directory.
    pub fn https_endpoint(&self) -> Option<String> {
        self.ca_file
            .as_ref()
            .map(|_| format!("https://{}", self.addr))
    }

    /// The local CA's certificate, which https clients must trust, when there is one.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `127.0.0.1:0` and serves in a background task; for tests and the embedded mode.
pub async fn spawn(config: EmulatorConfig) -> Result<RunningEmulator, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(Error::Listen)?;
    let addr = listener.local_addr().map_err(Error::Listen)?;
    // Build the shared state here so a bad data file or CA fails the call, not the task.
    let ca_file = config.ca_dir.as_deref().map(tls::ca_file);
    let shared = Arc::new(shared::Shared::new(config)?);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server::run(listener, shared, async move {
        let _ = stopped.await;
    }));
    Ok(RunningEmulator {
        addr,
        ca_file,
        stop: Some(stop),
        task: Some(task),
    })
}

/// A human banner: where the emulator listens, the key pairs, the endpoints to set and, with
/// https, the CA file and the variables that make common clients trust it.
pub fn banner(addr: SocketAddr, config: &EmulatorConfig) -> String {
    let endpoint = format!("http://{addr}");
    let ca_file = config.ca_dir.as_deref().map(tls::ca_file);
    let mut text = match &ca_file {
        Some(_) => format!(
            "snapform emulator listening on {endpoint} and https://{addr} (one port, both protocols)\n"
        ),
        None => format!("snapform emulator listening on {endpoint}\n"),
    };
    text.push_str(
        "  services: cbs 2017-03-12, lighthouse 2020-03-24, ecd 2020-09-30, ens 2017-11-10\n",
    );
    match &ca_file {
        Some(_) => text.push_str(&format!(
            "  set every service endpoint to {endpoint} (plain http) or https://{addr}\n"
        )),
        None => text.push_str(&format!(
            "  set every service endpoint to {endpoint} (plain http)\n"
        )),
    }
    for key in &config.keys.tencentcloud {
        text.push_str(&format!(
            "  tencentcloud: TENCENTCLOUD_SECRET_ID={} TENCENTCLOUD_SECRET_KEY={}\n",
            key.secret_id, key.secret_key
        ));
    }
    for key in &config.keys.alicloud {
        text.push_str(&format!(
            "  alicloud: ALIBABA_CLOUD_ACCESS_KEY_ID={} ALIBABA_CLOUD_ACCESS_KEY_SECRET={}\n",
            key.access_key_id, key.access_key_secret
        ));
    }
    match &ca_file {
        Some(ca_file) => {
            let ca_file = ca_file.display();
            text.push_str(&format!(
                "  https: the certificate is signed by the local CA {ca_file}; to trust it:\n"
            ));
            // Which client reads which is checked by the conformance suites. tccli and the
            // Tencent Python SDK read none: they hand certifi's bundle to requests themselves.
            let lines = [
                (
                    format!("export REQUESTS_CA_BUNDLE={ca_file}"),
                    "Python requests, instead of its CAs (not tccli: see the last line)",
                ),
                (
                    format!("export NODE_EXTRA_CA_CERTS={ca_file}"),
                    "Node.js SDKs, besides the system's CAs",
                ),
                (
                    format!("export SSL_CERT_FILE={ca_file}"),
                    "OpenSSL-based clients and the Alibaba Python SDKs, instead of the system's CAs",
                ),
                (
                    format!("export SNAPFORM_CA_FILE={ca_file}"),
                    "snapform, or ca_file in a provider block",
                ),
                (
                    format!("cat {ca_file} >> \"$(python3 -m certifi)\""),
                    "tccli and the Tencent Python SDK, with the Python they run on",
                ),
            ];
            let width = lines.iter().map(|(line, _)| line.len()).max().unwrap_or(0);
            for (line, who) in lines {
                text.push_str(&format!("    {line:<width$}  # {who}\n"));
            }
        }
        None => text.push_str(
            "  https: off (no --ca-dir, no --data and no home directory to keep a CA in)\n",
        ),
    }
    text.push_str(&format!(
        "  ready after {:?}, rate limit {} req/s per action{}{}\n",
        config.ready_after,
        if config.rate_limit == 0 {
            "unlimited".to_owned()
        } else {
            config.rate_limit.to_string()
        },
        config
            .data_file
            .as_ref()
            .map(|path| format!(", data {}", path.display()))
            .unwrap_or_default(),
        if config.faults.is_off() {
            String::new()
        } else {
            ", faults on".to_owned()
        },
    ));
    text.push_str(&format!("  control API: {endpoint}/_emulator/resources, /_emulator/stats, /_emulator/faults, /_emulator/reset\n"));
    text
}
