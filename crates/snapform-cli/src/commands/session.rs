//! What every command that reads the configuration and the state shares: loading (with
//! diagnostics printed), the backend and its lock, the state, the optional in-process emulator,
//! and the async runtime.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use sha2::{Digest, Sha256};
use snapform_apply::Providers;
use snapform_config::Config;
use snapform_core::diagnostic::has_errors;
use snapform_core::{Diagnostic, ProviderAddr, SourceMap};
use snapform_state::{Backend, LockGuard, LockInfo, State};

use crate::args::{LockArgs, VarArgs};
use crate::providers::EmulatorTarget;
use crate::view::diagnostics::render_human;

/// Where the embedded emulator keeps its cloud, relative to the working directory.
pub const EMULATOR_DATA: &str = ".snapform/emulator.json";

/// Where the embedded emulator keeps its local CA (https on its port), beside its cloud.
pub const EMULATOR_CA_DIR: &str = ".snapform/emulator-ca";

/// A loaded configuration and its state, ready for a command.
pub struct Session {
    /// Every file read.
    pub sources: SourceMap,
    /// The configuration, shared with apply's resolver. Apply takes it out once its plan is
    /// made (`config_for_walk`), leaving an empty one: nothing after that point reads it.
    pub config: std::sync::Arc<Config>,
    /// Where the state lives; apply takes it to save after every step.
    pub backend: Option<Box<dyn Backend + Send>>,
    /// The workspace whose state it is.
    pub workspace: String,
    /// Held for the whole command when the command writes or plans; released when dropped.
    #[expect(dead_code, reason = "held only for its Drop, which releases the lock")]
    pub lock: Option<LockGuard>,
    /// The recorded state (a new, empty one when none exists). `make_plan` moves its records
    /// into the plan: afterwards only its lineage and serial are left.
    pub state: State,
    /// Whether a state file existed.
    pub state_exists: bool,
    /// A hash of the configuration files and variable values.
    pub config_hash: String,
    /// The async runtime providers run on.
    pub runtime: tokio::runtime::Runtime,
    /// The in-process emulator, with `--emulator`.
    pub emulator: Option<snapform_emulator::RunningEmulator>,
    /// The providers and their regions, once built: planning and applying share them, and
    /// with them their call slots and rate limits.
    providers: Option<(Providers, BTreeMap<ProviderAddr, String>)>,
}

/// How to open a session.
pub struct SessionOptions<'a> {
    /// `-var`, `-var-file`.
    pub vars: &'a VarArgs,
    /// `-lock`, `-lock-timeout`.
    pub lock: &'a LockArgs,
    /// The command, for the lock info.
    pub operation: &'static str,
    /// Whether to start the embedded emulator.
    pub emulator: bool,
    /// The command reads no evaluated instance once the configuration is validated (no
    /// `-target` or `-replace` to check): they are dropped before the state is read, so a
    /// fleet's configuration and its state are not both whole at once (see
    /// `Config::forget_instances`).
    pub forget_instances: bool,
}

/// Prints diagnostics (as `diagnostic` messages in the machine-readable UI); returns whether
/// any is an error.
pub fn report(diagnostics: &[Diagnostic], sources: &SourceMap) -> anyhow::Result<bool> {
    if crate::view::machine::enabled() {
        crate::view::machine::diagnostics(diagnostics, sources);
    } else {
        write!(std::io::stderr(), "{}", render_human(diagnostics, sources))?;
    }
    Ok(has_errors(diagnostics))
}

impl Session {
    /// Loads the configuration and the state. `Ok(None)` means the configuration has errors,
    /// already printed.
    pub fn open(options: &SessionOptions<'_>) -> anyhow::Result<Option<Session>> {
        let load_options = super::load_options(options.vars)?;
        let mut sources = SourceMap::new();
        let mut phase = crate::phase::start();
        let loaded = snapform_config::load_dir(super::config_dir(), &load_options, &mut sources);
        phase.done(
            "load",
            format_args!(
                "loaded the configuration: {} resources, {} instances",
                loaded.config.resources.len(),
                loaded.config.instance_count()
            ),
        );
        if report(&loaded.diagnostics, &sources)? {
            return Ok(None);
        }
        let mut config = loaded.config;
        if options.forget_instances {
            config.forget_instances();
        }
        let (backend, workspace) = crate::backend::open_selected(&config.backend)?;
        let config_hash = config_hash(&sources, &config, &workspace);
        let lock = take_lock(backend.as_ref(), options.lock, options.operation)?;
        let mut phase = crate::phase::start();
        let existing = backend.read().context("cannot read the state")?;
        let state_exists = existing.is_some();
        let state = existing.unwrap_or_default();
        phase.done(
            "state",
            format_args!("read the state: {} records", state.resources.len()),
        );
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        let emulator = if options.emulator {
            Some(runtime.block_on(start_emulator())?)
        } else {
            None
        };
        Ok(Some(Session {
            sources,
            config: std::sync::Arc::new(config),
            backend: Some(backend),
            workspace,
            lock,
            state,
            state_exists,
            config_hash,
            runtime,
            emulator,
            providers: None,
        }))
    }

    /// Loads the configuration again (after `-generate-config-out` wrote a file into it),
    /// keeping the lock, the state and the emulator. `Ok(false)` means it has errors, printed.
    pub fn reload_config(&mut self, options: &SessionOptions<'_>) -> anyhow::Result<bool> {
        let load_options = super::load_options(options.vars)?;
        let mut sources = SourceMap::new();
        let loaded = snapform_config::load_dir(super::config_dir(), &load_options, &mut sources);
        if report(&loaded.diagnostics, &sources)? {
            return Ok(false);
        }
        let mut config = loaded.config;
        if options.forget_instances {
            config.forget_instances();
        }
        self.config_hash = config_hash(&sources, &config, &self.workspace);
        self.config = std::sync::Arc::new(config);
        self.sources = sources;
        self.providers = None;
        Ok(true)
    }

    /// The providers the configuration and the state need, and each one's region; built on
    /// first use with `parallelism` call slots.
    pub fn providers(
        &mut self,
        parallelism: usize,
    ) -> anyhow::Result<(Providers, BTreeMap<ProviderAddr, String>)> {
        if self.providers.is_none() {
            let needed = self.needed_providers();
            let built = crate::providers::build(
                &self.config,
                &self.sources,
                &needed,
                self.emulator_target().as_ref(),
                parallelism,
            )?;
            self.providers = Some(built);
        }
        Ok(self.providers.clone().expect("built above"))
    }

    /// The provider configuration at `addr` alone, built for one command's reads (`import`,
    /// discovery, generated configuration), and its region.
    pub fn one_provider(
        &self,
        addr: &ProviderAddr,
    ) -> anyhow::Result<(std::sync::Arc<dyn snapform_provider::Provider>, String)> {
        let (built, regions) = crate::providers::build(
            &self.config,
            &self.sources,
            std::slice::from_ref(addr),
            self.emulator_target().as_ref(),
            10,
        )?;
        let provider = built
            .get(addr)
            .context("the provider was just built")?
            .clone();
        Ok((provider, regions.get(addr).cloned().unwrap_or_default()))
    }

    /// The emulator's endpoint, with `--emulator`.
    pub fn emulator_target(&self) -> Option<EmulatorTarget> {
        self.emulator.as_ref().map(|emulator| EmulatorTarget {
            endpoint: emulator.endpoint(),
        })
    }

    /// Every provider configuration the configuration and the state use.
    pub fn needed_providers(&self) -> Vec<ProviderAddr> {
        let mut needed: Vec<ProviderAddr> = self
            .config
            .resources
            .iter()
            .map(|resource| resource.provider.clone())
            .chain(
                self.state
                    .resources
                    .iter()
                    .map(|record| record.provider.clone()),
            )
            .chain(
                self.state
                    .pending
                    .iter()
                    .map(|intent| intent.provider.clone()),
            )
            .collect();
        needed.sort();
        needed.dedup();
        needed
    }
}

async fn start_emulator() -> anyhow::Result<snapform_emulator::RunningEmulator> {
    let data = PathBuf::from(EMULATOR_DATA);
    if let Some(dir) = data.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let ready_after = match crate::env::get(crate::env::EMULATOR_READY_AFTER) {
        Some(text) => snapform_config::parse_duration(&text).map_err(|why| {
            anyhow::anyhow!("invalid {}: {why}", crate::env::EMULATOR_READY_AFTER)
        })?,
        None => Duration::from_secs(2),
    };
    let config = snapform_emulator::EmulatorConfig {
        data_file: Some(data),
        ca_dir: Some(PathBuf::from(EMULATOR_CA_DIR)),
        ready_after,
        ..snapform_emulator::EmulatorConfig::default()
    };
    snapform_emulator::spawn(config)
        .await
        .context("cannot start the embedded emulator")
}

/// The configuration in the working directory, read only for its backend and outputs: the
/// commands that do not plan (`state`, `output`, `show`, `force-unlock`) work with unset
/// variables and leave reporting problems to `validate` and `plan`.
pub fn config_for_state() -> Config {
    let mut sources = SourceMap::new();
    let options = snapform_config::LoadOptions {
        allow_unset_variables: true,
        workspace: crate::backend::workspace().ok(),
        ..Default::default()
    };
    snapform_config::load_dir(super::config_dir(), &options, &mut sources).config
}

/// The backend the configuration's `backend` block names (as `init` left it), for the
/// selected workspace.
pub fn open_backend(config: &Config) -> anyhow::Result<Box<dyn Backend + Send>> {
    crate::backend::open_selected(&config.backend).map(|(backend, _)| backend)
}

/// Takes the state lock for `operation`, unless `-lock=false`; released when dropped.
pub fn take_lock(
    backend: &(dyn Backend + Send),
    args: &LockArgs,
    operation: &str,
) -> anyhow::Result<Option<LockGuard>> {
    if !args.lock {
        return Ok(None);
    }
    let timeout = snapform_config::parse_duration(&args.lock_timeout)
        .map_err(|why| anyhow::anyhow!("invalid -lock-timeout: {why}"))?;
    let info = LockInfo {
        id: uuid::Uuid::new_v4().to_string(),
        operation: operation.to_owned(),
        who: who(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        created: crate::clock::now(),
        path: String::new(),
        pid: std::process::id(),
    };
    backend.lock(info, timeout).map(Some).map_err(lock_error)
}

fn lock_error(error: snapform_state::Error) -> anyhow::Error {
    match &error {
        snapform_state::Error::Locked { holder } => anyhow::anyhow!(
            "{error}\n  hint: wait for it to finish, retry with -lock-timeout=DURATION, or if that process is gone, run `snapform force-unlock {}`",
            holder.id
        ),
        _ => anyhow::Error::new(error).context("cannot lock the state"),
    }
}

fn who() -> String {
    let user = crate::env::get(crate::env::USER).unwrap_or_else(|| "unknown".to_owned());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("{user}@{host}")
}

/// A hash of every file read, every variable's value and the workspace: a plan made from
/// other inputs, or for another workspace, is refused by `apply`.
fn config_hash(sources: &SourceMap, config: &Config, workspace: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"workspace\0");
    hasher.update(workspace.as_bytes());
    hasher.update([0]);
    for file in sources.file_ids() {
        hasher.update(sources.name(file).as_bytes());
        hasher.update([0]);
        hasher.update(sources.text(file).as_bytes());
        hasher.update([0]);
    }
    for variable in &config.variables {
        hasher.update(variable.name.as_bytes());
        hasher.update(variable.value.to_json().to_string().as_bytes());
    }
    hex::encode(hasher.finalize())
}
