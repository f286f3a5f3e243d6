//! The log: `SNAPFORM_LOG=debug` (or Terraform's `TF_LOG`) writes one line per API call
//! (service, action, region, HTTP status, latency, the cloud's request id, the attempt),
//! every retry, and how long each phase of the run took (see `phase`), to standard error or
//! `SNAPFORM_LOG_PATH`. Without a level, only warnings show, such as a call that has been
//! retried for more than 5 s, so a run that seems stuck says why. No line holds a parameter,
//! a header, a signature or a secret: the libraries log only those fields.

use std::io::Write;
use std::sync::Mutex;

use crate::env;

/// The crates whose events the level applies to; others (the HTTP stack) stay at `warn`.
const CRATES: [&str; 6] = [
    "snapform_provider",
    "snapform_http",
    "snapform_tencentcloud",
    "snapform_alicloud",
    "snapform_apply",
    "snapform_state",
];

/// Starts the log for this process; a bad level or an unwritable file is an error.
pub fn init() -> anyhow::Result<()> {
    let level = env::get(env::LOG)
        .or_else(|| env::get(env::TF_LOG))
        .map(|level| level.trim().to_ascii_lowercase())
        .filter(|level| !level.is_empty());
    let level = match level.as_deref() {
        None => "warn".to_owned(),
        Some(level @ ("trace" | "debug" | "info" | "warn" | "error")) => level.to_owned(),
        // Terraform's JSON log format and `off` are read as their nearest meaning.
        Some("json") => "trace".to_owned(),
        Some("off") => "error".to_owned(),
        Some(other) => anyhow::bail!(
            "{}={other:?} is not a log level: use trace, debug, info, warn or error",
            env::LOG
        ),
    };
    let directives: Vec<String> = std::iter::once("warn".to_owned())
        .chain(CRATES.iter().map(|krate| format!("{krate}={level}")))
        .chain(std::iter::once(format!("{}={level}", crate::phase::TARGET)))
        .collect();
    let filter = tracing_subscriber::EnvFilter::try_new(directives.join(","))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match env::get(env::LOG_PATH) {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|error| {
                    anyhow::anyhow!("cannot open {}={path}: {error}", env::LOG_PATH)
                })?;
            builder
                .with_ansi(false)
                .with_writer(Mutex::new(file))
                .try_init()
                .map_err(|error| anyhow::anyhow!("cannot start the log: {error}"))?;
        }
        None => {
            builder
                .with_ansi(console::colors_enabled_stderr())
                .without_time()
                .with_writer(std::io::stderr)
                .try_init()
                .map_err(|error| anyhow::anyhow!("cannot start the log: {error}"))?;
        }
    }
    let _ = std::io::stderr().flush();
    Ok(())
}
