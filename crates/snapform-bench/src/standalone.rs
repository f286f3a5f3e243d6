//! The standalone emulator: a `snapform emulator --data FILE` process, as a user would start
//! one, and its control API (`/_emulator/`), which the checks read and the drift goes through.

use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::workload::Kind;
use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Value as Json, json};

/// How the emulator is started.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `--ready-after`.
    pub ready_after: Duration,
    /// `--rate-limit`.
    pub rate_limit: u32,
    /// `--faults`, when any.
    pub faults: Option<String>,
    /// `--seed`.
    pub seed: u64,
}

/// A running emulator process, killed when dropped.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// The bound address, for the hostile proxy.
    pub addr: std::net::SocketAddr,
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

/// One snapshot-like object of the cloud, as the control API lists it.
#[derive(Clone, Debug)]
pub struct CloudObject {
    /// Its type.
    pub kind: Kind,
    /// The cloud's ID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its description (empty when it has none).
    pub description: String,
    /// The disks, instance or desktop it was made from, sorted.
    pub parents: Vec<String>,
}

#[derive(Deserialize)]
struct Listed {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parents: Vec<String>,
}

impl Emulator {
    /// Starts `snapform emulator` on a free loopback port with its cloud in `data` (or in
    /// memory, which the benchmark uses: a data file is rewritten whole after every change)
    /// and the parents of `inventory_file`, and waits for its banner. Its stderr goes to `log`.
    pub fn start(
        snapform: &Path,
        data: Option<&Path>,
        inventory_file: &Path,
        log: PathBuf,
        settings: &Settings,
        runtime: tokio::runtime::Handle,
    ) -> anyhow::Result<Emulator> {
        let mut command = Command::new(snapform);
        command
            .arg("emulator")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--inventory")
            .arg(inventory_file)
            .arg("--ready-after")
            .arg(format!("{}ms", settings.ready_after.as_millis()))
            .arg("--rate-limit")
            .arg(settings.rate_limit.to_string())
            .arg("--seed")
            .arg(settings.seed.to_string());
        if let Some(data) = data {
            command.arg("--data").arg(data);
        }
        if let Some(faults) = &settings.faults {
            command.arg("--faults").arg(faults);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {} emulator", snapform.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (found, endpoint) = mpsc::channel();
        // The banner names the address; everything it prints goes on to the log file, so the
        // pipe never fills.
        std::thread::spawn(move || {
            let mut file = std::fs::File::create(&log).ok();
            let mut found = Some(found);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(file) = file.as_mut() {
                    let _ = writeln!(file, "{line}");
                }
                if let Some(rest) = line.split("listening on http://").nth(1)
                    && let Some(sender) = found.take()
                {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = sender.send(addr.to_owned());
                }
            }
        });
        let addr = match endpoint.recv_timeout(Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the emulator printed no address within a minute");
            }
        };
        let addr: std::net::SocketAddr = addr
            .parse()
            .with_context(|| format!("the emulator's banner names {addr:?}"))?;
        Ok(Emulator {
            child,
            endpoint: format!("http://{addr}"),
            addr,
            client: reqwest::Client::new(),
            runtime,
        })
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Json>,
    ) -> anyhow::Result<Json> {
        let url = format!("{}/_emulator/{path}", self.endpoint);
        self.runtime.block_on(async {
            let mut request = self
                .client
                .request(method.clone(), &url)
                .timeout(Duration::from_secs(60));
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request
                .send()
                .await
                .with_context(|| format!("{method} {url}"))?;
            let status = response.status();
            let value: Json = response
                .json()
                .await
                .with_context(|| format!("{method} {url}: the answer is not JSON"))?;
            if !status.is_success() {
                bail!("{method} {url}: {status} {value}");
            }
            Ok(value)
        })
    }

    /// Every snapshot-like object of the cloud (those being deleted included).
    pub fn objects(&self) -> anyhow::Result<Vec<CloudObject>> {
        let listed: Vec<Listed> =
            serde_json::from_value(self.request(reqwest::Method::GET, "resources", None)?)
                .context("the control API's resource list")?;
        listed
            .into_iter()
            .map(|listed| {
                let kind = Kind::from_emulator_type(&listed.kind)
                    .with_context(|| format!("unknown resource type {:?}", listed.kind))?;
                let mut parents = listed.parents;
                parents.sort();
                Ok(CloudObject {
                    kind,
                    id: listed.id,
                    name: listed.name,
                    description: listed.description.unwrap_or_default(),
                    parents,
                })
            })
            .collect()
    }

    /// Removes an object behind snapform's back.
    pub fn delete(&self, id: &str) -> anyhow::Result<()> {
        self.request(reqwest::Method::DELETE, &format!("resources/{id}"), None)
            .map(drop)
    }

    /// Renames an object behind snapform's back.
    pub fn rename(&self, id: &str, name: &str) -> anyhow::Result<()> {
        self.request(
            reqwest::Method::PATCH,
            &format!("resources/{id}"),
            Some(json!({"name": name})),
        )
        .map(drop)
    }

    /// Sets the fault rates (`--faults` syntax), or turns faults off.
    pub fn set_faults(&self, spec: Option<&str>, seed: u64) -> anyhow::Result<()> {
        let body = match spec {
            Some(spec) => json!({"spec": spec, "seed": seed}),
            None => json!({}),
        };
        self.request(reqwest::Method::POST, "faults", Some(body))
            .map(drop)
    }

    /// The counters: requests, throttles, errors and faults.
    pub fn stats(&self) -> anyhow::Result<Json> {
        self.request(reqwest::Method::GET, "stats", None)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `snapform` binary to drive: `explicit` when given (made absolute, since the runs
/// start it from their projects' directories), else the one beside this binary.
/// When cargo started this binary (`cargo run`), the CLI is built first with the same profile
/// and target directory, so a run never measures or tests a stale binary.
pub fn snapform_binary(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        let path = std::path::absolute(path)
            .with_context(|| format!("cannot resolve {}", path.display()))?;
        anyhow::ensure!(path.is_file(), "{} does not exist", path.display());
        return Ok(path);
    }
    let exe = std::env::current_exe().context("cannot locate this binary")?;
    let profile_dir = exe
        .parent()
        .context("this binary has no directory")?
        .to_owned();
    if let Some(cargo) = std::env::var_os("CARGO")
        && let Some(target_dir) = profile_dir.parent()
    {
        let mut build = std::process::Command::new(cargo);
        build
            .args([
                "build",
                "--quiet",
                "--package",
                "snapform-cli",
                "--bin",
                "snapform",
            ])
            .arg("--target-dir")
            .arg(target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        let status = build.status().context("cannot run cargo build")?;
        anyhow::ensure!(status.success(), "cargo build of snapform-cli failed");
    }
    let path = profile_dir.join(format!("snapform{}", std::env::consts::EXE_SUFFIX));
    anyhow::ensure!(
        path.exists(),
        "{} does not exist: build it with `cargo build -p snapform-cli` (with --release for a \
         release build of this binary), or name one with --snapform",
        path.display()
    );
    Ok(path)
}

/// The environment of a run of the binary against a standalone emulator: the emulator's
/// documented keys, fast polling, and `home` as a HOME with no CLI profiles.
pub fn run_env(home: &Path) -> Vec<(String, String)> {
    vec![
        (
            "TENCENTCLOUD_SECRET_ID".to_owned(),
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned(),
        ),
        (
            "TENCENTCLOUD_SECRET_KEY".to_owned(),
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY.to_owned(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID".to_owned(),
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_ID.to_owned(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET".to_owned(),
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET.to_owned(),
        ),
        ("SNAPFORM_POLL_INTERVAL".to_owned(), "100ms".to_owned()),
        ("HOME".to_owned(), home.display().to_string()),
    ]
}
