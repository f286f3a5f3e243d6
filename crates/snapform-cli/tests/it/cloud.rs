//! An emulator the test controls, and projects whose providers point at it.

use std::path::Path;
use std::time::Duration;

use snapform_emulator::{EmulatorConfig, RunningEmulator};

use crate::support::Run;

/// A running emulator and a runtime to talk to its control API.
pub struct Cloud {
    pub runtime: tokio::runtime::Runtime,
    pub emulator: Option<RunningEmulator>,
    pub endpoint: String,
}

impl Cloud {
    /// An emulator where snapshots are ready after 200ms.
    pub fn start() -> Cloud {
        Cloud::with(EmulatorConfig::default())
    }

    /// An emulator with `config`, ready after 200ms unless set.
    pub fn with(config: EmulatorConfig) -> Cloud {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let ready_after = if config.ready_after == EmulatorConfig::default().ready_after {
            Duration::from_millis(200)
        } else {
            config.ready_after
        };
        let emulator = runtime
            .block_on(snapform_emulator::spawn(EmulatorConfig {
                ready_after,
                ..config
            }))
            .expect("the emulator starts");
        let endpoint = emulator.endpoint();
        Cloud {
            runtime,
            emulator: Some(emulator),
            endpoint,
        }
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}{path}", self.endpoint);
        self.runtime.block_on(async {
            let mut request = reqwest::Client::new().request(method, url);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.expect("the control API answers");
            response.json().await.unwrap_or(serde_json::Value::Null)
        })
    }

    /// `GET /_emulator/...`.
    pub fn get(&self, path: &str) -> serde_json::Value {
        self.request(reqwest::Method::GET, &format!("/_emulator/{path}"), None)
    }

    /// `POST /_emulator/...`.
    pub fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        self.request(
            reqwest::Method::POST,
            &format!("/_emulator/{path}"),
            Some(body),
        )
    }

    /// `PUT /_emulator/...`.
    pub fn put(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        self.request(
            reqwest::Method::PUT,
            &format!("/_emulator/{path}"),
            Some(body),
        )
    }

    /// `DELETE /_emulator/...`.
    pub fn delete(&self, path: &str) -> serde_json::Value {
        self.request(reqwest::Method::DELETE, &format!("/_emulator/{path}"), None)
    }

    /// Every snapshot-like resource the cloud has.
    pub fn resources(&self) -> Vec<serde_json::Value> {
        self.get("resources")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
    }
}

/// The provider blocks of a project pointed at `cloud`.
pub fn providers_hcl(cloud: &Cloud) -> String {
    format!(
        "provider \"tencentcloud\" {{\n  region   = \"ap-guangzhou\"\n  endpoint = \"{0}\"\n}}\n\nprovider \"alicloud\" {{\n  region   = \"cn-hangzhou\"\n  endpoint = \"{0}\"\n}}\n",
        cloud.endpoint
    )
}

/// A project with `main.hcl` and providers pointed at `cloud`.
pub fn project(cloud: &Cloud, main_hcl: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("providers.hcl"), providers_hcl(cloud)).expect("write");
    std::fs::write(dir.path().join("main.hcl"), main_hcl).expect("write");
    dir
}

/// Rewrites `main.hcl`.
pub fn rewrite(dir: &Path, main_hcl: &str) {
    std::fs::write(dir.join("main.hcl"), main_hcl).expect("write");
}

/// The environment every run gets: the emulator's documented keys, fast polling, a HOME with
/// no CLI profiles.
pub fn env(home: &Path) -> Vec<(&'static str, String)> {
    vec![
        (
            "TENCENTCLOUD_SECRET_ID",
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned(),
        ),
        (
            "TENCENTCLOUD_SECRET_KEY",
            snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY.to_owned(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_ID.to_owned(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET.to_owned(),
        ),
        ("SNAPFORM_POLL_INTERVAL", "100ms".to_owned()),
        ("HOME", home.display().to_string()),
    ]
}

/// Runs snapform in `dir` against the cloud its providers name.
pub fn sf(dir: &Path, args: &[&str]) -> Run {
    crate::support::snapform_with_env(dir, args, "", &env(dir))
}

/// The recorded state.
pub fn state(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("snapform.tfstate")).expect("a state file");
    serde_json::from_str(&text).expect("the state is JSON")
}
