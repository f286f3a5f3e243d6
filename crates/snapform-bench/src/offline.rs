//! Rows 1 and 2, which need no cloud: parsing and validating a configuration, and planning it
//! against a recorded state without refresh.
//!
//! Each measurement runs in a child process of this binary (`--child parse N`, `--child plan
//! N`) so that its peak memory (`VmHWM`) is its own and not the largest of the whole run. The
//! child prints one JSON line that the parent reads.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use snapform_config::{LoadOptions, Loaded, SourceFile, load_sources};
use snapform_core::{ProviderAddr, SourceMap};
use snapform_planner::{Action, PlanInputs, PlanMode};

use crate::workload::{ALICLOUD_REGION, Kind, TENCENT_REGION, Workload};

/// What a parse child measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct ParseResult {
    /// Size of the configuration text.
    pub bytes: usize,
    /// Time to load and validate it.
    pub seconds: f64,
    /// Peak resident memory of the child, in MB.
    pub peak_mb: f64,
}

/// What a plan child measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct PlanResult {
    /// Time of `snapform_planner::plan` alone.
    pub plan_seconds: f64,
    /// Loading the configuration, decoding the state file's text and planning: what
    /// `snapform plan -refresh=false` does before it prints.
    pub end_to_end_seconds: f64,
    /// Peak resident memory of the child, in MB.
    pub peak_mb: f64,
    /// Planned creates.
    pub n_create: usize,
    /// Instances left as they are.
    pub n_noop: usize,
}

/// Peak resident memory of this process in MB, from `/proc/self/status` (0 where there is
/// none).
pub fn peak_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn load(text: String) -> Loaded {
    let mut sources = SourceMap::new();
    load_sources(
        vec![SourceFile {
            name: "bench.hcl".to_owned(),
            text,
        }],
        Vec::new(),
        &LoadOptions::default(),
        &mut sources,
    )
}

fn check_loaded(loaded: &Loaded, n_instances: usize) -> anyhow::Result<()> {
    if let Some(diagnostic) = loaded.diagnostics.first() {
        bail!("the generated configuration has diagnostics: {diagnostic:?}");
    }
    let n_loaded = loaded.config.instance_count();
    if n_loaded != n_instances {
        bail!("the generated configuration has {n_loaded} instances, not {n_instances}");
    }
    Ok(())
}

/// Child: loads and validates a configuration of `n_instances` instances.
pub fn parse_child(n_instances: usize) -> anyhow::Result<ParseResult> {
    let text = Workload::new(n_instances).config_text();
    let bytes = text.len();
    let started = Instant::now();
    let loaded = load(text);
    let seconds = started.elapsed().as_secs_f64();
    check_loaded(&loaded, n_instances)?;
    Ok(ParseResult {
        bytes,
        seconds,
        peak_mb: peak_memory_mb(),
    })
}

/// The region of each provider configuration of the generated workloads.
pub fn regions() -> BTreeMap<ProviderAddr, String> {
    BTreeMap::from([
        (
            ProviderAddr::default_for("tencentcloud"),
            TENCENT_REGION.to_owned(),
        ),
        (
            ProviderAddr::default_for("alicloud"),
            ALICLOUD_REGION.to_owned(),
        ),
    ])
}

/// Plans `config` against `prior_state` without refresh, in `mode`.
pub fn make_plan(
    config: &snapform_config::Config,
    prior_state: &snapform_state::State,
    state_exists: bool,
    mode: PlanMode,
) -> anyhow::Result<snapform_planner::Plan> {
    let regions = regions();
    let (plan, diagnostics) = snapform_planner::plan(PlanInputs {
        now: jiff::Timestamp::UNIX_EPOCH,
        config,
        prior_state: std::borrow::Cow::Borrowed(prior_state),
        state_exists,
        refresh: None,
        imports: &Default::default(),
        mode,
        targets: &[],
        replace: &[],
        regions: &regions,
        config_hash: String::new(),
    });
    if let Some(diagnostic) = diagnostics.first() {
        bail!("planning the generated workload failed: {diagnostic:?}");
    }
    Ok(plan)
}

/// Child: plans `n_instances` instances of which nine in ten are recorded in the state and
/// match the configuration, and every tenth is to be created.
pub fn plan_child(n_instances: usize) -> anyhow::Result<PlanResult> {
    let workload = Workload::new(n_instances);
    let text = workload.config_text();
    let state = workload.state(|position, spec| {
        (position % 10 != 9).then(|| format!("{}-bench{position:08}", id_prefix(spec.kind)))
    });
    let state_text = snapform_state::statefile::encode(&state);
    drop(state);
    let regions = regions();

    let started = Instant::now();
    let loaded = load(text);
    let prior_state = snapform_state::statefile::decode(Path::new("bench.tfstate"), &state_text)
        .context("decoding the generated state")?;
    let plan_started = Instant::now();
    let (plan, diagnostics) = snapform_planner::plan(PlanInputs {
        now: jiff::Timestamp::UNIX_EPOCH,
        config: &loaded.config,
        // Given, as the CLI gives it.
        prior_state: std::borrow::Cow::Owned(prior_state),
        state_exists: true,
        refresh: None,
        imports: &Default::default(),
        mode: PlanMode::Normal,
        targets: &[],
        replace: &[],
        regions: &regions,
        config_hash: String::new(),
    });
    let plan_seconds = plan_started.elapsed().as_secs_f64();
    let end_to_end_seconds = started.elapsed().as_secs_f64();
    check_loaded(&loaded, n_instances)?;
    if let Some(diagnostic) = diagnostics.first() {
        bail!("planning the generated workload failed: {diagnostic:?}");
    }
    let n_of = |action: Action| {
        plan.changes
            .iter()
            .filter(|change| change.action == action)
            .count()
    };
    let (n_create, n_noop) = (n_of(Action::Create), n_of(Action::NoOp));
    if n_create + n_noop != n_instances {
        bail!(
            "the plan should only create or keep, but it has {} other changes (recorded attributes do not match the configuration)",
            n_instances - n_create - n_noop
        );
    }
    Ok(PlanResult {
        plan_seconds,
        end_to_end_seconds,
        peak_mb: peak_memory_mb(),
        n_create,
        n_noop,
    })
}

fn id_prefix(kind: Kind) -> &'static str {
    match kind {
        Kind::CbsDiskBackup => "dbp",
        Kind::CbsSnapshotGroup => "csnap",
        Kind::LighthouseSnapshot => "lhsnap",
        Kind::EcdSnapshot => "s",
        Kind::EnsSnapshot => "sp",
    }
}

/// Runs this binary as `--child WHAT N` and reads the JSON line it prints.
pub fn run_child<T: serde::de::DeserializeOwned>(what: &str, n: usize) -> anyhow::Result<T> {
    let exe = std::env::current_exe().context("cannot find the benchmark's own binary")?;
    let output = std::process::Command::new(exe)
        .args(["--child", what, &n.to_string()])
        .output()
        .context("cannot start a child process")?;
    if !output.status.success() {
        bail!(
            "measuring {what} {n} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("the child's answer {line:?} is not JSON"))
}
