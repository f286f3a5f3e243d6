//! Row 3: refreshing a state of many recorded resources against an emulator that holds them,
//! at the clouds' rate limit, with batched reads and with one Describe per resource.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::cloud::{self, Control, Stats};
use crate::workload::Workload;

/// What one refresh did.
#[derive(Debug)]
pub struct RefreshRun {
    /// From the call to `refresh_with` until it returned.
    pub wall: Duration,
    /// What the emulator saw meanwhile.
    pub stats: Stats,
    /// Recorded resources the read found.
    pub n_found: usize,
    /// Why the refresh failed, if it did.
    pub error: Option<String>,
}

/// Both refreshes of one workload.
#[derive(Debug)]
pub struct Refreshes {
    /// Batched reads, with the client-side limit.
    pub snapform: RefreshRun,
    /// One Describe per resource, no client-side limit.
    pub terraform: Option<RefreshRun>,
    /// How long filling the emulator took (not measured as part of the row).
    pub seeding: Duration,
    /// Terraform's way reads a sample (every n-th record, so every type is in it): its absolute
    /// figures are multiplied by this to stand for the whole state. 1 when it read everything.
    pub terraform_scale: f64,
}

/// The most resources Terraform's way reads: one Describe per resource at 20 requests/s per
/// action, ten in flight and backing off when throttled, takes minutes per thousand, and the
/// whole benchmark must finish in under ten.
const TERRAFORM_SAMPLE: usize = 2_000;

/// Seeds an emulator at `rate_limit` requests per second per action with every instance of
/// `workload`, then refreshes a state that records them all.
pub async fn refreshes(
    workload: &Workload,
    rate_limit: u32,
    terraform_way: bool,
) -> anyhow::Result<Refreshes> {
    let seeding_started = Instant::now();
    let dir = tempfile::tempdir()?;
    let (data_file, ids) = cloud::seed_data_file(workload, dir.path())
        .await
        .context("cannot fill the emulator")?;
    let emulator = cloud::emulator(
        workload.inventory(),
        rate_limit,
        Duration::from_secs(2),
        Some(&data_file),
    )
    .await?;
    let control = Control::new(&emulator.endpoint());
    let state = workload.state(|position, _| ids.get(&position).cloned());
    let seeding = seeding_started.elapsed();

    let snapform = run(&state, &emulator.endpoint(), &control, false, rate_limit).await?;
    let stride = state.resources.len().div_ceil(TERRAFORM_SAMPLE).max(1);
    let mut sample = state.clone();
    sample.resources = state.resources.iter().step_by(stride).cloned().collect();
    let terraform_scale = state.resources.len() as f64 / sample.resources.len().max(1) as f64;
    let terraform = if terraform_way {
        // Let the emulator's buckets fill up again.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Some(run(&sample, &emulator.endpoint(), &control, true, rate_limit).await?)
    } else {
        None
    };
    emulator.shutdown().await;
    Ok(Refreshes {
        snapform,
        terraform,
        seeding,
        terraform_scale,
    })
}

async fn run(
    state: &snapform_state::State,
    endpoint: &str,
    control: &Control,
    one_call_per_resource: bool,
    rate_limit: u32,
) -> anyhow::Result<RefreshRun> {
    let client_rate = if one_call_per_resource || rate_limit == 0 {
        cloud::UNLIMITED
    } else {
        f64::from(rate_limit)
    };
    let providers = cloud::providers(
        endpoint,
        client_rate,
        (!one_call_per_resource).then_some(10),
    )?;
    control.clear_stats().await?;
    let started = Instant::now();
    let result = snapform_apply::refresh_with(state, &providers, None, one_call_per_resource).await;
    let wall = started.elapsed();
    let stats = control.stats().await?;
    let (n_found, error) = match result {
        Ok(read) => (
            read.as_recorded + read.read.values().filter(|found| found.is_some()).count(),
            None,
        ),
        Err(error) => (0, Some(error.to_string())),
    };
    Ok(RefreshRun {
        wall,
        stats,
        n_found,
        error,
    })
}
