//! Rows 4, 5 and 7: applying a workload of creates against a fresh emulator, then destroying
//! it, either snapform's way or Terraform's way, counting what reached the emulator.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use snapform_apply::{ApplyOptions, Event, Hook, Stop};
use snapform_planner::PlanMode;
use snapform_state::State;

use crate::cloud::{self, Control, Stats};
use crate::offline::make_plan;
use crate::store::{Place, Store};
use crate::workload::Workload;

/// What one apply did.
#[derive(Debug)]
pub struct Phase {
    /// From the call to `apply` until it returned.
    pub wall: Duration,
    /// What the emulator saw meanwhile.
    pub stats: Stats,
    /// Changes that failed, with why.
    pub failures: Vec<String>,
    /// Changes that completed.
    pub n_done: usize,
    /// Every second: the time since the start and the requests per action so far, to show
    /// which actions ran when.
    pub timeline: Timeline,
}

/// An apply of the workload's creates and, when asked, the destroy of what it made.
#[derive(Debug)]
pub struct Cycle {
    /// The creates.
    pub create: Phase,
    /// The deletes.
    pub destroy: Option<Phase>,
}

/// How to run a cycle.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The emulator's requests per second per action (0: none).
    pub emulator_rate_limit: u32,
    /// The emulator's readiness time.
    pub ready_after: Duration,
    /// Terraform's way: whole steps counted by the parallelism, per-resource polling and
    /// unbatched deletes, and no client-side rate limit.
    pub terraform_way: bool,
    /// Also destroy what was created.
    pub destroy: bool,
    /// Where the state is saved.
    pub store: Store,
}

/// Collects failures; the benchmark shows no progress lines.
#[derive(Default)]
struct Failures(Mutex<Vec<String>>);

impl Hook for Failures {
    fn event(&self, event: Event) {
        if let Event::Failed { addr, error, .. } = event {
            self.0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push(format!("{addr}: {error}"));
        }
    }
}

/// Creates every instance of `workload` on a fresh emulator, then destroys them.
pub async fn cycle(workload: &Workload, setup: Setup) -> anyhow::Result<Cycle> {
    let emulator = cloud::emulator(
        workload.inventory(),
        setup.emulator_rate_limit,
        setup.ready_after,
        None,
    )
    .await?;
    let control = Control::new(&emulator.endpoint());
    let client_rate = if setup.terraform_way || setup.emulator_rate_limit == 0 {
        cloud::UNLIMITED
    } else {
        f64::from(setup.emulator_rate_limit)
    };
    let place = Place::new(&setup.store)?;

    let text = workload.config_text();
    let mut sources = snapform_core::SourceMap::new();
    let loaded = snapform_config::load_sources(
        vec![snapform_config::SourceFile {
            name: "bench.hcl".to_owned(),
            text,
        }],
        Vec::new(),
        &snapform_config::LoadOptions::default(),
        &mut sources,
    );
    if let Some(diagnostic) = loaded.diagnostics.first() {
        anyhow::bail!("the generated configuration has diagnostics: {diagnostic:?}");
    }
    let plan = make_plan(&loaded.config, &State::new(), false, PlanMode::Normal)?;
    let slots = (!setup.terraform_way).then_some(10);
    let providers = cloud::providers(&emulator.endpoint(), client_rate, slots)?;
    let (create, state) = run(plan, providers, setup.terraform_way, &place, 0, &control).await?;
    let destroy = if setup.destroy {
        // Let the emulator's buckets fill up again, so the destroy starts as the apply did.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let plan = make_plan(&loaded.config, &state, true, PlanMode::Destroy)?;
        let providers = cloud::providers(&emulator.endpoint(), client_rate, slots)?;
        let serial = state.serial;
        let (phase, _) = run(
            plan,
            providers,
            setup.terraform_way,
            &place,
            serial,
            &control,
        )
        .await?;
        Some(phase)
    } else {
        None
    };
    emulator.shutdown().await;
    place.remove().await?;
    Ok(Cycle { create, destroy })
}

pub(crate) async fn run(
    plan: snapform_planner::Plan,
    providers: snapform_apply::Providers,
    terraform_way: bool,
    place: &Place,
    current_serial: u64,
    control: &Control,
) -> anyhow::Result<(Phase, State)> {
    let options = Arc::new(ApplyOptions {
        parallelism: 10,
        scheduling: if terraform_way {
            snapform_apply::Scheduling::TerraformWay
        } else {
            snapform_apply::Scheduling::Snapform
        },
        ..ApplyOptions::default()
    });
    let hook = Arc::new(Failures::default());
    // The sender stays alive for the whole apply: nobody presses Ctrl-C here.
    let (_stop_sender, stop) = tokio::sync::watch::channel(Stop::Run);
    control.clear_stats().await?;
    let started = Instant::now();
    let timeline = Arc::new(Mutex::new(Vec::new()));
    let sampler = tokio::spawn(sample(
        Control::new(control.endpoint()),
        started,
        timeline.clone(),
    ));
    let mut report = snapform_apply::apply(
        Arc::new(plan),
        providers,
        options,
        hook.clone(),
        place.backend()?,
        current_serial,
        stop,
    )
    .await?;
    // Folding the steps into the state file is part of the run, as in the command line.
    report.backend.fold()?;
    let wall = started.elapsed();
    sampler.abort();
    let timeline = std::mem::take(&mut *timeline.lock().unwrap_or_else(|p| p.into_inner()));
    let stats = control.stats().await?;
    let mut failures: Vec<String> = report
        .failures
        .iter()
        .map(|(addr, error)| format!("{addr}: {error}"))
        .collect();
    if failures.is_empty() {
        failures = hook
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
    }
    Ok((
        Phase {
            wall,
            stats,
            failures,
            n_done: report.counts.add + report.counts.destroy,
            timeline,
        },
        report.state,
    ))
}

/// Reads the emulator's counters every second until aborted. The control API is neither
/// rate-limited nor counted, so this changes nothing the apply sees.
async fn sample(control: Control, started: Instant, timeline: Arc<Mutex<Timeline>>) {
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Ok(stats) = control.stats().await {
            timeline
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .push((started.elapsed().as_secs_f64(), stats.requests));
        }
    }
}

/// Seconds since the start, and the requests per action so far.
type Timeline = Vec<(f64, BTreeMap<String, u64>)>;
