//! How an emulator is set up: [`EmulatorConfig`] (library) and [`EmulatorArgs`] (command line).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::duration::parse_duration;
use crate::error::Error;
use crate::faults::FaultConfig;
use crate::inventory::Inventory;
use crate::keys::KeyTable;
use crate::tls;

/// The listen address used when `--listen` is not given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:4566";

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
    /// With a directory, the port speaks https too, with a certificate from the local CA kept
    /// there (made on first start). `None` serves plain http only.
    pub ca_dir: Option<PathBuf>,
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
            ca_dir: None,
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
    /// Where the local CA for https lives, made on first start (default: `emulator-ca` beside
    /// the --data file, else $XDG_DATA_HOME/snapform/emulator-ca or
    /// ~/.local/share/snapform/emulator-ca).
    #[arg(long, value_name = "DIR")]
    pub ca_dir: Option<PathBuf>,
}

impl EmulatorArgs {
    /// Builds the configuration, reading the inventory and key files, and makes the local CA
    /// on first use, so its file exists before anyone reads the banner.
    ///
    /// The CA lives in `--ca-dir`, else beside the `--data` file, else in `user_ca_dir` (the
    /// caller's [`user_ca_dir`](crate::user_ca_dir), from its environment); with none of the
    /// three the emulator serves plain http only.
    pub fn to_config(&self, user_ca_dir: Option<PathBuf>) -> Result<EmulatorConfig, Error> {
        let ca_dir = self
            .ca_dir
            .clone()
            .or_else(|| self.data.as_deref().map(tls::dir_beside))
            .or(user_ca_dir);
        if let Some(dir) = &ca_dir {
            tls::ensure(dir)?;
        }
        let mut config = EmulatorConfig {
            ready_after: self.ready_after,
            latency: self.latency,
            rate_limit: self.rate_limit,
            seed: self.seed,
            data_file: self.data.clone(),
            ca_dir,
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
