//! Row 10 (issue 12, DESIGN §13): a night of a fleet's rotation. N series of CBS disk
//! backups, `@daily` with `keep = 1`, one disk each: the first night creates every series'
//! first generation (the setup); the second night, planned one day later against what refresh
//! reads, creates every due generation and expires every previous one once its successor is
//! ready. The second night is measured against the rate-limit bound: N creates at the limit,
//! then the readiness of the last one, then the one delete call that can only follow it and
//! the time the cloud takes to drop that backup.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use snapform_planner::{Action, PlanInputs, PlanMode};
use snapform_state::State;

use crate::apply::{Phase, run};
use crate::cloud::{self, Control};
use crate::offline::regions;
use crate::store::{Place, Store};

/// What the second night did.
pub struct Night {
    /// The refresh before the plan: calls per action.
    pub refresh_calls: BTreeMap<String, u64>,
    pub refresh: Duration,
    /// Planning, after refresh.
    pub plan: Duration,
    /// The creates and expiries the plan holds.
    pub creates: usize,
    pub expiries: usize,
    /// The apply.
    pub apply: Phase,
    /// The rate-limit bound of the apply.
    pub bound: Duration,
    /// Snapshots in the cloud afterwards (one per series when nothing is lost or left).
    pub left_in_cloud: usize,
}

fn config_text(n: usize) -> String {
    format!(
        r#"
resource "tencentcloud_cbs_disk_backup" "nightly" {{
  for_each         = {{ for i in range({n}) : format("d%05d", i) => format("disk-g%07d", i) }}
  disk_id          = each.value
  disk_backup_name = "nightly-${{each.key}}-${{formatdate("YYYYMMDD", rotation.time)}}"

  rotation {{
    schedule = "@daily"
    keep     = 1
  }}
}}
"#
    )
}

/// Plans `config` at `now` against `state` and what `refresh` read.
fn plan_at(
    config: &snapform_config::Config,
    state: &State,
    refresh: Option<snapform_planner::RefreshResult>,
    now: jiff::Timestamp,
) -> anyhow::Result<snapform_planner::Plan> {
    let regions = regions();
    let (plan, diagnostics) = snapform_planner::plan(PlanInputs {
        now,
        config,
        prior_state: std::borrow::Cow::Borrowed(state),
        state_exists: !state.is_empty(),
        refresh,
        imports: &Default::default(),
        mode: PlanMode::Normal,
        targets: &[],
        replace: &[],
        regions: &regions,
        config_hash: String::new(),
    });
    if let Some(diagnostic) = diagnostics.first() {
        bail!("planning the rotation failed: {diagnostic:?}");
    }
    Ok(plan)
}

/// Runs two nights of `n` series at `rate` requests per second per action.
pub async fn two_nights(n: usize, rate: u32, ready_after: Duration) -> anyhow::Result<Night> {
    let emulator = cloud::emulator(
        snapform_emulator::Inventory::generated(n),
        rate,
        ready_after,
        None,
    )
    .await?;
    let control = Control::new(&emulator.endpoint());
    let place = Place::new(&Store::Local)?;
    let mut sources = snapform_core::SourceMap::new();
    let loaded = snapform_config::load_sources(
        vec![snapform_config::SourceFile {
            name: "rotation.hcl".to_owned(),
            text: config_text(n),
        }],
        Vec::new(),
        &snapform_config::LoadOptions::default(),
        &mut sources,
    );
    if snapform_core::diagnostic::has_errors(&loaded.diagnostics) {
        bail!(
            "the rotation configuration has errors: {:?}",
            loaded.diagnostics
        );
    }
    let first_night: jiff::Timestamp = "2026-12-04T00:30:00Z".parse().context("a time")?;
    let second_night = first_night + jiff::SignedDuration::from_hours(24);

    let plan = plan_at(&loaded.config, &State::new(), None, first_night)?;
    let providers = cloud::providers(&emulator.endpoint(), f64::from(rate), Some(10))?;
    let (setup, state) = run(plan, providers, false, &place, 0, &control).await?;
    if !setup.failures.is_empty() {
        bail!("the first night failed: {:?}", setup.failures);
    }
    // Let the emulator's buckets fill up again, so the night starts as a nightly job would.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let providers = cloud::providers(&emulator.endpoint(), f64::from(rate), Some(10))?;
    control.clear_stats().await?;
    let started = Instant::now();
    let refreshed = snapform_apply::refresh(&state, &providers, None)
        .await
        .map_err(|error| anyhow::anyhow!("refresh failed: {error}"))?;
    let refresh = started.elapsed();
    let refresh_calls = control.stats().await?.requests;
    let started = Instant::now();
    let plan = plan_at(&loaded.config, &state, Some(refreshed), second_night)?;
    let plan_time = started.elapsed();
    let creates = plan
        .changes
        .iter()
        .filter(|change| change.action == Action::Create)
        .count();
    let expiries = plan
        .changes
        .iter()
        .filter(|change| change.action == Action::Delete && change.expires_after.is_some())
        .count();
    if creates != n || expiries != n {
        bail!("the second night plans {creates} creates and {expiries} expiries, not {n} of each");
    }
    let serial = state.serial;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (apply, _) = run(plan, providers, false, &place, serial, &control).await?;
    let left_in_cloud = control.resources().await?.len();
    emulator.shutdown().await;
    place.remove().await?;
    // N creates at the limit, the last one's readiness, then its predecessor's delete call
    // and the time CBS takes to drop a deleted backup (half the readiness, in the emulator).
    let bound = Duration::from_secs_f64(n as f64 / f64::from(rate))
        + ready_after
        + Duration::from_secs_f64(1.0 / f64::from(rate))
        + ready_after / 2;
    Ok(Night {
        refresh_calls,
        refresh,
        plan: plan_time,
        creates,
        expiries,
        apply,
        bound,
        left_in_cloud,
    })
}
