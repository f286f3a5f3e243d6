//! How an emulator is set up: [`EmulatorConfig`] (library) and [`EmulatorArgs`] (command line).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::faults::FaultConfig;
use crate::inventory::Inventory;
use crate::server::lock;
use crate::{
    DEFAULT_ALICLOUD_ACCESS_KEY_ID, DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
    DEFAULT_TENCENTCLOUD_SECRET_ID, DEFAULT_TENCENTCLOUD_SECRET_KEY, Error,
};

/// The listen address used when `--listen` is not given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4566";

/// Where the emulator reads the time: resource progress and the signature skew window.
///
/// Tests inject a [`ManualClock`] to move time forward without sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to. Clones share one time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *lock(&self.now) += by;
    }

    /// Sets the clock to an instant.
    pub fn set(&self, to: SystemTime) {
        *lock(&self.now) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *lock(&self.now)
    }
}

/// Reads a JSON configuration file (`--keys`, `--inventory`).
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::Parse {
        path: path.to_owned(),
        source,
    })
}

/// The key pairs the emulator accepts, per cloud. `--keys FILE` reads this JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTable {
    /// Tencent Cloud `SecretId`/`SecretKey` pairs.
    #[serde(default)]
    pub tencentcloud: Vec<TencentKey>,
    /// Alibaba Cloud `AccessKeyId`/`AccessKeySecret` pairs.
    #[serde(default)]
    pub alicloud: Vec<AlicloudKey>,
}

/// A Tencent Cloud key pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TencentKey {
    /// `AKID...`.
    pub secret_id: String,
    /// The secret.
    pub secret_key: String,
}

/// An Alibaba Cloud key pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlicloudKey {
    /// `LTAI...`.
    pub access_key_id: String,
    /// The secret.
    pub access_key_secret: String,
}

impl Default for KeyTable {
    /// One documented test key pair per cloud.
    fn default() -> Self {
        Self {
            tencentcloud: vec![TencentKey {
                secret_id: DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned(),
                secret_key: DEFAULT_TENCENTCLOUD_SECRET_KEY.to_owned(),
            }],
            alicloud: vec![AlicloudKey {
                access_key_id: DEFAULT_ALICLOUD_ACCESS_KEY_ID.to_owned(),
                access_key_secret: DEFAULT_ALICLOUD_ACCESS_KEY_SECRET.to_owned(),
            }],
        }
    }
}

impl KeyTable {
    /// Reads a `--keys` JSON file.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        read_json(path)
    }

    pub(crate) fn tencent_secret(&self, secret_id: &str) -> Option<&str> {
        self.tencentcloud
            .iter()
            .find(|key| key.secret_id == secret_id)
            .map(|key| key.secret_key.as_str())
    }

    pub(crate) fn alicloud_secret(&self, access_key_id: &str) -> Option<&str> {
        self.alicloud
            .iter()
            .find(|key| key.access_key_id == access_key_id)
            .map(|key| key.access_key_secret.as_str())
    }
}

/// Everything an emulator needs to run. `Default` is the documented out-of-the-box setup.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The parents snapshots can be made of. Ignored when `data_file` already holds a cloud.
    pub inventory: Inventory,
    /// The accepted key pairs.
    pub keys: KeyTable,
    /// How long a new resource takes to move from its creating state to ready.
    pub ready_after: Duration,
    /// Added to every API answer (never to `/_emulator/` routes).
    pub latency: Duration,
    /// Requests per second per (service, region, action); 0 turns rate limiting off.
    pub rate_limit: u32,
    /// Fault injection rates.
    pub faults: FaultConfig,
    /// Seed of the fault draws and generated IDs.
    pub seed: u64,
    /// With a file, the whole cloud persists there and is shared with other processes.
    pub data_file: Option<PathBuf>,
    /// How far a request's signing time may be from the clock (both directions).
    pub skew_window: Duration,
    /// The clock for progress and signature times.
    pub clock: Arc<dyn Clock>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            inventory: Inventory::builtin(),
            keys: KeyTable::default(),
            ready_after: Duration::from_secs(2),
            latency: Duration::ZERO,
            rate_limit: 20,
            faults: FaultConfig::default(),
            seed: 0,
            data_file: None,
            skew_window: Duration::from_secs(300),
            clock: Arc::new(SystemClock),
        }
    }
}

/// The arguments of `snapform emulator` (and of the `snapform-emulator` binary).
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on; use port 0 for any free port.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Persist the whole cloud in this JSON file, shared by every emulator that uses it.
    #[arg(long = "data", value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// JSON inventory of disks, instances and desktops (default: the built-in quickstart set).
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// JSON key table replacing the documented default key pairs.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Time a new snapshot takes to become ready (e.g. `2s`, `500ms`, `0`).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    pub ready_after: Duration,
    /// Latency added to every API answer.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub latency: Duration,
    /// Requests per second allowed per service, region and action (0: unlimited).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub rate_limit: u32,
    /// Fault injection, e.g. `5xx=0.05,throttle=0.05,busy=0.05,reset=0.02,lost=0.02,latency=0.1:200ms`.
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Seed for fault draws and generated IDs.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,
}

impl EmulatorArgs {
    /// Builds the configuration, reading the inventory and key files.
    pub fn to_config(&self) -> Result<EmulatorConfig, Error> {
        let mut config = EmulatorConfig {
            ready_after: self.ready_after,
            latency: self.latency,
            rate_limit: self.rate_limit,
            seed: self.seed,
            data_file: self.data.clone(),
            ..EmulatorConfig::default()
        };
        if let Some(path) = &self.inventory {
            config.inventory = Inventory::from_file(path)?;
        }
        if let Some(path) = &self.keys {
            config.keys = KeyTable::from_file(path)?;
        }
        if let Some(spec) = &self.faults {
            config.faults = FaultConfig::parse_spec(spec)?;
        }
        Ok(config)
    }

    /// The address to bind.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }
}

/// Parses `250ms`, `2s`, `1.5s`, `3m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, Error> {
    let text = text.trim();
    let invalid = || Error::InvalidDuration(text.to_owned());
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "us" => value / 1_000_000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(invalid()),
    };
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(invalid());
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s").ok(), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_duration("200ms").ok(),
            Some(Duration::from_millis(200))
        );
        assert_eq!(parse_duration("0").ok(), Some(Duration::ZERO));
        assert_eq!(
            parse_duration("1.5s").ok(),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_duration("2m").ok(), Some(Duration::from_secs(120)));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("2 parsecs").is_err());
    }

    #[test]
    fn key_file_form() {
        let keys: KeyTable = serde_json::from_str(
            r#"{"tencentcloud": [{"secret_id": "AKIDx", "secret_key": "k"}],
                "alicloud": [{"access_key_id": "LTAIx", "access_key_secret": "s"}]}"#,
        )
        .expect("valid key table");
        assert_eq!(keys.tencent_secret("AKIDx"), Some("k"));
        assert_eq!(keys.alicloud_secret("LTAIx"), Some("s"));
        assert_eq!(keys.alicloud_secret("LTAIy"), None);
    }
}
