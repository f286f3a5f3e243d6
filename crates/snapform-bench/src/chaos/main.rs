//! `snapform-chaos`: the chaos command of issue 17 (DESIGN §11).
//!
//! It drives the real `snapform` binary, as a user would, against a standalone emulator process
//! that keeps its cloud in a data file: a generated configuration over the five resource types,
//! faults of every kind, rounds of `apply` and `destroy` killed with kill -9 at random moments,
//! deletions and renames behind snapform's back between rounds, and a hostile server that
//! answers like a broken cloud. After each phase it checks that the state equals the cloud, that
//! there is no duplicate, orphan or phantom, that nothing is left creating, that the state file
//! decodes, and that no secret shows in any file or output. It prints the figures and exits 1
//! when a check failed.
//!
//! Why it lives in snapform-bench: like the benchmark, it is a binary that generates workloads
//! (it shares `workload` with it, so a chaos run and a benchmark row of one size have the same
//! shape), starts emulators and prints figures, and it is no test of the fast suite: a run at
//! 500 resources takes many minutes. Unlike the benchmark it never links snapform's engine: it
//! runs the built `snapform` binary (the emulator too, as `snapform emulator --data FILE`), and
//! reads the state only through snapform-state's reader, as the next command would, and the
//! cloud only through the emulator's control API.
//!
//! Phases: (1) `--rounds` apply rounds, each with a new configuration (about one instance in
//! eight added or removed, one in twelve renamed), drift made through the control API, an apply
//! killed at a random moment, then applies until one succeeds; (2) one apply per hostile mode
//! through the hostile server, then applies against the honest emulator until one succeeds;
//! (3) `--destroy-rounds` destroys killed at a random moment, then destroys until one succeeds,
//! and an apply to have something to destroy in the next round.

mod checks;
mod hostile;
mod phases;
mod project;
mod random;
mod report;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

use crate::hostile::Mode;

/// Run snapform against a faulty, hostile emulator with kill -9 between its steps, and check
/// that nothing is lost or duplicated.
#[derive(Debug, Parser)]
#[command(name = "snapform-chaos")]
pub struct Args {
    /// Resource instances in the configuration, spread over the five types.
    #[arg(long, default_value_t = 500)]
    pub resources: usize,
    /// Apply rounds, each killed with kill -9 at a random moment.
    #[arg(long, default_value_t = 20)]
    pub rounds: usize,
    /// Destroy rounds, each killed with kill -9 at a random moment.
    #[arg(long, default_value_t = 5)]
    pub destroy_rounds: usize,
    /// The share of API calls that get a fault, split evenly over 5xx, throttle, busy, reset
    /// and lost, plus the same share of added latency.
    #[arg(long, default_value_t = 0.2)]
    pub faults: f64,
    /// Seed of every random choice (kill moments, drift, faults, hostile answers).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Hostile modes to run, comma-separated (default: all; `none` for none).
    #[arg(long, value_delimiter = ',', value_name = "MODES")]
    pub hostile: Vec<String>,
    /// The share of answers the hostile server corrupts.
    #[arg(long, default_value_t = 0.25)]
    pub hostile_rate: f64,
    /// How long a run against the hostile server may take before it counts as hung (and is
    /// killed), plus 100 ms per resource.
    #[arg(long, default_value = "60s", value_parser = snapform_emulator::parse_duration)]
    pub hostile_timeout: Duration,
    /// How much more memory (MiB) than the largest honest run a run against the hostile server
    /// may take.
    #[arg(long, default_value_t = 64)]
    pub hostile_memory_mib: u64,
    /// Runs allowed to converge after a kill (DESIGN §11: 3).
    #[arg(long, default_value_t = 3)]
    pub max_runs: usize,
    /// How long new snapshots take to become ready in the emulator.
    #[arg(long, default_value = "500ms", value_parser = snapform_emulator::parse_duration)]
    pub ready_after: Duration,
    /// The emulator's rate limit, requests per second per action (the clouds' 20).
    #[arg(long, default_value_t = 20)]
    pub rate_limit: u32,
    /// The snapform binary (default: the one beside this binary, built first when run by
    /// cargo).
    #[arg(long, value_name = "FILE")]
    pub snapform: Option<PathBuf>,
    /// Where to work (default: a temporary directory, removed at the end unless `--keep`).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Keep the temporary directory (logs of every run, the state, the emulator's data file).
    #[arg(long)]
    pub keep: bool,
    /// Also write the figures as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

impl Args {
    /// The hostile modes asked for.
    fn modes(&self) -> anyhow::Result<Vec<Mode>> {
        if self.hostile.is_empty() {
            return Ok(Mode::ALL.to_vec());
        }
        if self.hostile.iter().any(|name| name == "none") {
            return Ok(Vec::new());
        }
        self.hostile
            .iter()
            .map(|name| {
                <Mode as clap::ValueEnum>::from_str(name, true)
                    .map_err(|_| anyhow::anyhow!("unknown hostile mode {name:?}"))
            })
            .collect()
    }

    /// The emulator's `--faults` specification, `None` for no faults.
    fn fault_spec(&self) -> Option<String> {
        if self.faults <= 0.0 {
            return None;
        }
        let each = self.faults / 5.0;
        Some(format!(
            "5xx={each},throttle={each},busy={each},reset={each},lost={each},latency={}:100ms",
            self.faults
        ))
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<bool> {
    let modes = args.modes()?;
    anyhow::ensure!(args.resources > 0, "--resources must be at least 1");
    anyhow::ensure!(
        (0.0..=1.0).contains(&args.faults),
        "--faults is a share between 0 and 1"
    );
    let snapform = snapform_bench::standalone::snapform_binary(args.snapform.as_deref())?;
    let scratch;
    let work = match &args.work_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.clone()
        }
        None => {
            scratch = tempfile::Builder::new()
                .prefix("snapform-chaos-")
                .tempdir()
                .context("cannot make a temporary directory")?;
            if args.keep {
                scratch.keep()
            } else {
                scratch.path().to_owned()
            }
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let figures = phases::run(args, &modes, &snapform, &work, &runtime)?;
    let passed = figures.passed();
    let mut stdout = std::io::stdout().lock();
    write!(stdout, "{}", figures.table())?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&figures.json())?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.keep || args.work_dir.is_some() {
        writeln!(stdout, "logs, state and cloud kept in {}", work.display())?;
    }
    drop(runtime);
    Ok(passed)
}
