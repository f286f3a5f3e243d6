//! `snapform-bench`: measures snapform against the performance targets of DESIGN §10 and
//! issues 6 and 7, and runs the same workloads Terraform's way beside it.
//!
//! It generates its workloads (configurations, states, emulator inventories), runs each row,
//! prints one table and writes the same figures as JSON. Parsing and planning run in child
//! processes of this binary so their peak memory is their own; everything that talks to a
//! cloud runs against in-process emulators on loopback. It is a binary and not a timed test:
//! targets are printed as PASS or FAIL, never asserted.
//!
//! Rows (issue 7): 1 parse and validate, 2 plan without refresh, 3 refresh, 4 apply of creates,
//! 5 destroy, 6 emulator throughput, and 7 the 5,000 unthrottled creates of issue 6; row 8
//! (issue 14) saves the state step by step. With `--pg CONN_STR`, rows 4 and 5 also run with
//! the state in PostgreSQL, and row 8 runs for both backends. Row 9 (issue 13) runs the real
//! binary through a whole lifecycle at a fleet's size and checks that every step grows
//! linearly. Row 10 (issue 12) runs a night of a fleet's rotation: every series' due
//! generation created and its previous one expired, at the clouds' rate limit.

mod apply;
mod binary;
mod cloud;
mod offline;
mod refresh;
mod report;
mod rotation;
mod saves;
mod store;
mod throughput;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use serde_json::json;

use crate::apply::{Cycle, Phase, Setup};
use crate::offline::{ParseResult, PlanResult};
use crate::report::{Figure, Report, Target, Unit, rate_limit_bound, thousands};
use crate::store::{Place, Store};
use crate::workload::{Kind, Workload};
use snapform_bench::workload;

/// The clouds' documented limit, requests per second per action, and the emulator's default.
const RATE_LIMIT: u32 = 20;

/// Measure snapform against its performance targets, and against Terraform's way.
#[derive(Debug, Parser)]
#[command(name = "snapform-bench")]
struct Args {
    /// Smaller sizes and a shorter readiness time, to finish in under a minute.
    #[arg(long)]
    quick: bool,
    /// Where to write the figures as JSON.
    #[arg(long, value_name = "FILE", default_value = "target/bench.json")]
    json: PathBuf,
    /// Run only these rows (1 to 10), e.g. `--rows 2,4`.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    rows: Vec<u32>,
    /// Skip the Terraform's-way runs.
    #[arg(long)]
    no_terraform: bool,
    /// Also run rows 4, 5 and 8 with the state in this PostgreSQL database (each run in a
    /// schema of its own, dropped afterwards), e.g. `host=127.0.0.1 user=postgres dbname=bench`.
    #[arg(
        long,
        value_name = "CONN_STR",
        env = "SNAPFORM_BENCH_PG",
        hide_env_values = true
    )]
    pg: Option<String>,
    /// Row 9 works in this directory and leaves it there (the generated project, the
    /// emulator's inventory and every run's log), for profiling a step by hand.
    #[arg(long, value_name = "DIR")]
    keep_work: Option<PathBuf>,
    /// Internal: measure one row in this process and print it as JSON.
    #[arg(long, num_args = 2, value_names = ["WHAT", "N"], hide = true)]
    child: Vec<String>,
}

/// The sizes of one run.
#[derive(Debug)]
struct Sizes {
    parse: Vec<usize>,
    plan: usize,
    refresh: usize,
    apply: usize,
    ready_after: Duration,
    bulk: usize,
    throughput: usize,
    saves: Vec<usize>,
    /// Row 9: the smaller and the larger size, ten times apart.
    binary: [usize; 2],
    /// Row 10: series in the nightly rotation.
    rotation: usize,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                parse: vec![1_000, 10_000],
                plan: 10_000,
                refresh: 500,
                apply: 100,
                ready_after: Duration::from_secs(1),
                bulk: 1_000,
                throughput: 4_000,
                saves: vec![1_000, 10_000],
                binary: [1_000, 10_000],
                rotation: 100,
            }
        } else {
            Sizes {
                parse: vec![1_000, 10_000],
                plan: 10_000,
                refresh: 10_000,
                apply: 1_000,
                ready_after: Duration::from_secs(2),
                bulk: 5_000,
                throughput: 20_000,
                saves: vec![10_000, 100_000],
                binary: [10_000, 100_000],
                rotation: 1_000,
            }
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let [what, n] = args.child.as_slice() {
        let n: usize = n.parse().context("--child N takes a number")?;
        let line = match what.as_str() {
            "parse" => serde_json::to_string(&offline::parse_child(n)?)?,
            "plan" => serde_json::to_string(&offline::plan_child(n)?)?,
            other => anyhow::bail!("unknown child measurement {other:?}"),
        };
        writeln!(std::io::stdout(), "{line}")?;
        return Ok(());
    }
    let started = Instant::now();
    let sizes = Sizes::new(args.quick);
    let rows: BTreeSet<u32> = if args.rows.is_empty() {
        (1..=10).collect()
    } else {
        args.rows.iter().copied().collect()
    };
    let terraform = !args.no_terraform;
    let mut report = Report {
        mode: if args.quick { "quick" } else { "default" }.to_owned(),
        ..Report::default()
    };
    report.settings = BTreeMap::from([
        ("rate_limit".to_owned(), json!(RATE_LIMIT)),
        (
            "ready_after_seconds".to_owned(),
            json!(sizes.ready_after.as_secs_f64()),
        ),
        ("parse_sizes".to_owned(), json!(sizes.parse)),
        ("plan_size".to_owned(), json!(sizes.plan)),
        ("refresh_size".to_owned(), json!(sizes.refresh)),
        ("apply_size".to_owned(), json!(sizes.apply)),
        ("bulk_size".to_owned(), json!(sizes.bulk)),
        ("throughput_requests".to_owned(), json!(sizes.throughput)),
        ("save_series".to_owned(), json!(sizes.saves)),
        ("pg".to_owned(), json!(args.pg.is_some())),
        ("parallelism".to_owned(), json!(10)),
        (
            "build".to_owned(),
            json!(if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }),
        ),
        (
            "cpus".to_owned(),
            json!(std::thread::available_parallelism().map_or(0, usize::from)),
        ),
    ]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    if rows.contains(&1) {
        for &n in &sizes.parse {
            progress(&format!(
                "row 1: parse and validate {} instances",
                thousands(n as f64)
            ));
            parse_row(&mut report, n)?;
        }
    }
    if rows.contains(&2) {
        progress(&format!(
            "row 2: plan {} instances",
            thousands(sizes.plan as f64)
        ));
        plan_row(&mut report, sizes.plan)?;
    }
    if rows.contains(&3) {
        runtime.block_on(refresh_row(&mut report, &sizes, terraform))?;
    }
    let mut stores = vec![Store::Local];
    stores.extend(args.pg.clone().map(Store::Pg));
    if rows.contains(&4) || rows.contains(&5) {
        runtime.block_on(apply_rows(&mut report, &sizes, terraform, &stores))?;
    }
    if rows.contains(&6) {
        runtime.block_on(throughput_row(&mut report, &sizes))?;
    }
    if rows.contains(&7) {
        runtime.block_on(bulk_row(&mut report, &sizes))?;
    }
    if rows.contains(&8) {
        runtime.block_on(saves_row(&mut report, &sizes, &stores))?;
    }
    if rows.contains(&9) {
        binary_row(&mut report, &sizes, args.keep_work.as_deref())?;
    }
    if rows.contains(&10) {
        runtime.block_on(rotation_row(&mut report, &sizes))?;
    }
    report.total_seconds = started.elapsed().as_secs_f64();

    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "\nsnapform benchmark ({} sizes, {} build, {} CPUs, {:.0} s)\n",
        report.mode,
        report.settings["build"].as_str().unwrap_or_default(),
        report.settings["cpus"],
        report.total_seconds
    )?;
    write!(stdout, "{}", report.table())?;
    if !report.notes.is_empty() {
        writeln!(stdout, "\nnotes:")?;
        for note in &report.notes {
            writeln!(stdout, "- {note}")?;
        }
    }
    if let Some(dir) = args.json.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", args.json.display()))?;
    writeln!(stdout, "\nfigures written to {}", args.json.display())?;
    Ok(())
}

/// Row 9: the real binary at two sizes ten times apart; every step must take at most 11 times
/// as long at the larger size, stay under 4 KB of memory per instance, and, at 100,000,
/// validate within 1 s, plan within 3 s and apply within 30 s. Each figure is the median of
/// [`binary::LIFECYCLES`] lifecycles, and the notes give each step's range.
fn binary_row(
    report: &mut Report,
    sizes: &Sizes,
    keep: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let snapform = snapform_bench::standalone::snapform_binary(None)?;
    let [small, large] = sizes.binary;
    let mut runs = Vec::new();
    for n in [small, large] {
        let work = match keep {
            Some(dir) => dir.join(n.to_string()),
            None => std::env::temp_dir()
                .join(format!("snapform-bench-binary-{}-{n}", std::process::id())),
        };
        let mut lifecycles = Vec::with_capacity(binary::LIFECYCLES);
        for round in 1..=binary::LIFECYCLES {
            progress(&format!(
                "row 9: the snapform binary through a lifecycle of {} instances ({round} of {})",
                thousands(n as f64),
                binary::LIFECYCLES
            ));
            lifecycles.push(binary::steps_at(&snapform, n, &work, keep.is_some())?);
        }
        report.notes.push(binary::spread(n, &lifecycles));
        runs.push(binary::median(&lifecycles));
    }
    let absolute = |name: &str| -> Option<f64> {
        (large >= 100_000).then_some(match name {
            "validate" => 1.0,
            "plan -out" => 3.0,
            "apply PLANFILE" => 30.0,
            _ => return None,
        })
    };
    for (at_small, at_large) in runs[0].iter().zip(&runs[1]) {
        let workload = format!("`snapform {}`", at_small.name);
        let seconds_large = at_large.elapsed.as_secs_f64();
        let mut time = Figure::new(
            9,
            &workload,
            &format!("time at {}", thousands(large as f64)),
            Unit::Seconds,
            seconds_large,
        );
        if let Some(limit) = absolute(at_small.name) {
            time = time.target(Target::AtMost(limit));
        }
        report.push(Figure::new(
            9,
            &workload,
            &format!("time at {}", thousands(small as f64)),
            Unit::Seconds,
            at_small.elapsed.as_secs_f64(),
        ));
        report.push(time);
        report.push(
            Figure::new(
                9,
                &workload,
                "growth for 10x the instances",
                Unit::Ratio,
                seconds_large / at_small.elapsed.as_secs_f64().max(1e-3),
            )
            .target(Target::AtMost(11.0)),
        );
        report.push(
            Figure::new(
                9,
                &workload,
                "peak memory per instance",
                Unit::Kilobytes,
                at_large.peak_kib as f64 * 1024.0 / 1000.0 / large as f64,
            )
            .target(Target::AtMost(4.0)),
        );
    }
    Ok(())
}

fn progress(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message} ...");
}

fn parse_row(report: &mut Report, n: usize) -> anyhow::Result<()> {
    let result: ParseResult = offline::run_child("parse", n)?;
    let workload = format!(
        "parse + validate {} instances ({:.0} KB)",
        thousands(n as f64),
        result.bytes as f64 / 1024.0
    );
    report.push(Figure::new(
        1,
        &workload,
        "time",
        Unit::Millis,
        result.seconds * 1e3,
    ));
    report.push(Figure::new(
        1,
        &workload,
        "throughput",
        Unit::MegabytesPerSecond,
        result.bytes as f64 / 1e6 / result.seconds,
    ));
    report.push(Figure::new(
        1,
        &workload,
        "peak memory",
        Unit::Megabytes,
        result.peak_mb,
    ));
    Ok(())
}

fn plan_row(report: &mut Report, n: usize) -> anyhow::Result<()> {
    let result: PlanResult = offline::run_child("plan", n)?;
    let workload = format!(
        "plan {} instances, no refresh ({} creates)",
        thousands(n as f64),
        thousands(result.n_create as f64)
    );
    report.push(
        Figure::new(
            2,
            &workload,
            "plan time",
            Unit::Millis,
            result.plan_seconds * 1e3,
        )
        .target(Target::AtMost(1000.0)),
    );
    report.push(
        Figure::new(
            2,
            &workload,
            "load + state + plan",
            Unit::Millis,
            result.end_to_end_seconds * 1e3,
        )
        .target(Target::AtMost(1000.0)),
    );
    report.push(
        Figure::new(2, &workload, "peak memory", Unit::Megabytes, result.peak_mb)
            .target(Target::AtMost(200.0)),
    );
    Ok(())
}

async fn refresh_row(report: &mut Report, sizes: &Sizes, terraform: bool) -> anyhow::Result<()> {
    let n = sizes.refresh;
    progress(&format!(
        "row 3: refresh {} resources{}",
        thousands(n as f64),
        if terraform {
            format!(
                ", then one call per resource (at least {} s at {RATE_LIMIT} requests/s per action)",
                n / Kind::ALL.len() / RATE_LIMIT as usize
            )
        } else {
            String::new()
        }
    ));
    let workload = Workload::new(n);
    let runs = refresh::refreshes(&workload, RATE_LIMIT, terraform).await?;
    let title = format!(
        "refresh {} recorded resources ({RATE_LIMIT} req/s per action)",
        thousands(n as f64)
    );
    let tf = runs.terraform.as_ref();
    let scale = runs.terraform_scale;
    if tf.is_some() && scale > 1.0 {
        report.notes.push(format!(
            "row 3: Terraform's way read every {scale:.0}th recorded resource ({} of {}); its calls, time and throttles are multiplied by {scale:.0} to stand for the whole state",
            thousands((n as f64 / scale).round()),
            thousands(n as f64)
        ));
    }
    let calls = |stats: &cloud::Stats| stats.total_requests as f64;
    report.push(
        Figure::new(
            3,
            &title,
            "API calls",
            Unit::Calls,
            calls(&runs.snapform.stats),
        )
        .vs(tf.map(|run| calls(&run.stats) * scale)),
    );
    report.push(
        Figure::new(
            3,
            &title,
            "calls / one per resource",
            Unit::Percent,
            calls(&runs.snapform.stats) / n as f64 * 100.0,
        )
        .vs(tf.map(|run| calls(&run.stats) * scale / n as f64 * 100.0))
        .target(Target::AtMost(1.0)),
    );
    report.push(
        Figure::new(
            3,
            &title,
            "wall time",
            Unit::Seconds,
            runs.snapform.wall.as_secs_f64(),
        )
        .vs(tf.map(|run| run.wall.as_secs_f64() * scale)),
    );
    report.push(
        Figure::new(
            3,
            &title,
            "throttled",
            Unit::Count,
            runs.snapform.stats.total_throttled as f64,
        )
        .vs(tf.map(|run| run.stats.total_throttled as f64 * scale)),
    );
    for (mode, run) in [("snapform", Some(&runs.snapform)), ("terraform", tf)] {
        let Some(run) = run else { continue };
        if let Some(error) = &run.error {
            report
                .notes
                .push(format!("row 3 ({mode}): the refresh failed: {error}"));
        } else if mode == "snapform" && run.n_found != n {
            report.notes.push(format!(
                "row 3 ({mode}): the refresh found {} of {n} recorded resources",
                run.n_found
            ));
        }
        report.details.insert(
            format!("row3_{mode}"),
            json!({"requests": run.stats.requests, "errors": run.stats.errors, "throttled": run.stats.total_throttled, "wall_seconds": run.wall.as_secs_f64()}),
        );
    }
    report.details.insert(
        "row3_seeding_seconds".to_owned(),
        json!(runs.seeding.as_secs_f64()),
    );
    Ok(())
}

async fn apply_rows(
    report: &mut Report,
    sizes: &Sizes,
    terraform: bool,
    stores: &[Store],
) -> anyhow::Result<()> {
    let n = sizes.apply;
    let workload = Workload::new(n);
    let setup = |terraform_way, store: &Store| Setup {
        emulator_rate_limit: RATE_LIMIT,
        ready_after: sizes.ready_after,
        terraform_way,
        destroy: true,
        store: store.clone(),
    };
    progress(&format!(
        "rows 4 and 5: apply and destroy {} creates",
        thousands(n as f64)
    ));
    let ours = apply::cycle(&workload, setup(false, &Store::Local)).await?;
    let theirs = if terraform {
        progress("rows 4 and 5, Terraform's way (parallelism 10 counting readiness waits)");
        Some(apply::cycle(&workload, setup(true, &Store::Local)).await?)
    } else {
        None
    };
    let mut on_pg = None;
    for store in stores.iter().filter(|store| matches!(store, Store::Pg(_))) {
        progress("rows 4 and 5, with the state in PostgreSQL");
        on_pg = Some(apply::cycle(&workload, setup(false, store)).await?);
    }

    let creates: BTreeMap<String, usize> = Kind::ALL
        .iter()
        .map(|kind| (kind.create_action().to_owned(), workload.count(*kind)))
        .collect();
    let create_bound = rate_limit_bound(&creates, f64::from(RATE_LIMIT), sizes.ready_after);
    let deletes: BTreeMap<String, usize> = Kind::ALL
        .iter()
        .map(|kind| {
            (
                kind.delete_action().to_owned(),
                workload.count(*kind).div_ceil(kind.delete_batch()),
            )
        })
        .collect();
    let delete_wait = if Kind::ALL
        .iter()
        .any(|kind| kind.deletes_slowly() && workload.count(*kind) > 0)
    {
        sizes.ready_after / 2
    } else {
        Duration::ZERO
    };
    let destroy_bound = rate_limit_bound(&deletes, f64::from(RATE_LIMIT), delete_wait);

    for (row, destroy, bound) in [(4, false, create_bound), (5, true, destroy_bound)] {
        let Some(our) = pick(&ours, destroy) else {
            continue;
        };
        let their = theirs.as_ref().and_then(|cycle| pick(cycle, destroy));
        let title = format!(
            "{} {} {}, 5 types ({RATE_LIMIT} req/s per action, ready {} s)",
            if destroy { "destroy" } else { "apply" },
            thousands(n as f64),
            if destroy { "resources" } else { "creates" },
            sizes.ready_after.as_secs_f64()
        );
        let bound = bound.as_secs_f64();
        push_phase(report, row, &title, our, their, n, Some(bound));
        if let Some(pg) = on_pg.as_ref().and_then(|cycle| pick(cycle, destroy)) {
            let title = format!("{title}, state in pg");
            push_phase(report, row, &title, pg, None, n, Some(bound));
            if !destroy {
                // DESIGN §10: within 5 % of the bound, whatever the backend.
                report.push(
                    Figure::new(
                        row,
                        &title,
                        "ratio to bound (DESIGN §10)",
                        Unit::Ratio,
                        pg.wall.as_secs_f64() / bound,
                    )
                    .target(Target::AtMost(1.05)),
                );
            }
        }
    }
    Ok(())
}

/// Row 10: the second night of a fleet's rotation, against the rate-limit bound.
async fn rotation_row(report: &mut Report, sizes: &Sizes) -> anyhow::Result<()> {
    let n = sizes.rotation;
    progress(&format!(
        "row 10: two nights of a {}-series rotation at {RATE_LIMIT} req/s per action",
        thousands(n as f64)
    ));
    let night = rotation::two_nights(n, RATE_LIMIT, sizes.ready_after).await?;
    let title = format!(
        "rotation night: {} series, 1 due create + 1 expiry each ({RATE_LIMIT} req/s, ready {} s)",
        thousands(n as f64),
        sizes.ready_after.as_secs_f64()
    );
    let refresh_calls: u64 = night.refresh_calls.values().sum();
    report.push(
        Figure::new(
            10,
            &title,
            "refresh: Describe calls",
            Unit::Calls,
            refresh_calls as f64,
        )
        .target(Target::AtMost((n as f64 / 100.0).ceil())),
    );
    report.push(Figure::new(
        10,
        &title,
        "refresh",
        Unit::Seconds,
        night.refresh.as_secs_f64(),
    ));
    report.push(Figure::new(
        10,
        &title,
        "plan",
        Unit::Seconds,
        night.plan.as_secs_f64(),
    ));
    let bound = night.bound.as_secs_f64();
    push_phase(report, 10, &title, &night.apply, None, n, Some(bound));
    report.push(
        Figure::new(
            10,
            &title,
            "ratio to bound (issue 12)",
            Unit::Ratio,
            night.apply.wall.as_secs_f64() / bound,
        )
        .target(Target::AtMost(1.05)),
    );
    report.push(
        Figure::new(
            10,
            &title,
            "snapshots left beyond keep",
            Unit::Count,
            night.left_in_cloud.abs_diff(n) as f64,
        )
        .target(Target::AtMost(0.0)),
    );
    report.details.insert(
        "row10".to_owned(),
        json!({
            "series": n,
            "creates": night.creates,
            "expiries": night.expiries,
            "refresh_calls": night.refresh_calls,
            "apply_calls": night.apply.stats.requests,
            "failures": night.apply.failures,
            "timeline": night.apply.timeline,
        }),
    );
    Ok(())
}

async fn saves_row(report: &mut Report, sizes: &Sizes, stores: &[Store]) -> anyhow::Result<()> {
    for store in stores {
        let mut per_step = Vec::new();
        for &n in &sizes.saves {
            progress(&format!(
                "row 8: {} steps of one record each, saved to the {} backend",
                thousands(n as f64),
                store.name()
            ));
            let place = Place::new(store)?;
            let series = saves::series(place.backend()?, n).await?;
            place.remove().await?;
            let title = format!(
                "save {} steps one record at a time, {} backend",
                thousands(n as f64),
                store.name()
            );
            let mean = series.total.as_secs_f64() / n as f64 * 1e6;
            report.push(Figure::new(
                8,
                &title,
                "total (with the final fold)",
                Unit::Seconds,
                series.total.as_secs_f64(),
            ));
            report.push(Figure::new(8, &title, "per step", Unit::Micros, mean));
            report.push(Figure::new(
                8,
                &title,
                "per step, first tenth",
                Unit::Micros,
                series.first_tenth.as_secs_f64() * 1e6,
            ));
            report.push(Figure::new(
                8,
                &title,
                "per step, last tenth",
                Unit::Micros,
                series.last_tenth.as_secs_f64() * 1e6,
            ));
            per_step.push((n, mean));
        }
        // Linear: ten times the steps cost at most eleven times the time (DESIGN §10).
        if let [(small, small_mean), .., (large, large_mean)] = per_step.as_slice() {
            let title = format!(
                "save series, {} backend: {} steps against {}",
                store.name(),
                thousands(*large as f64),
                thousands(*small as f64)
            );
            report.push(
                Figure::new(
                    8,
                    &title,
                    "total time ratio",
                    Unit::Ratio,
                    large_mean * *large as f64 / (small_mean * *small as f64),
                )
                .target(Target::AtMost(11.0 * *large as f64 / *small as f64 / 10.0)),
            );
        }
    }
    Ok(())
}

/// The figures of one apply or destroy, snapform's beside Terraform's way.
/// The apply or the destroy of a cycle.
fn pick(cycle: &Cycle, destroy: bool) -> Option<&Phase> {
    if destroy {
        cycle.destroy.as_ref()
    } else {
        Some(&cycle.create)
    }
}

fn push_phase(
    report: &mut Report,
    row: u32,
    title: &str,
    our: &Phase,
    their: Option<&Phase>,
    n: usize,
    bound: Option<f64>,
) {
    report.push(
        Figure::new(
            row,
            title,
            "wall time",
            Unit::Seconds,
            our.wall.as_secs_f64(),
        )
        .vs(their.map(|phase| phase.wall.as_secs_f64())),
    );
    if let Some(bound) = bound {
        report.push(Figure::new(
            row,
            title,
            "rate-limit bound",
            Unit::Seconds,
            bound,
        ));
        report.push(
            Figure::new(
                row,
                title,
                "ratio to bound",
                Unit::Ratio,
                our.wall.as_secs_f64() / bound,
            )
            .vs(their.map(|phase| phase.wall.as_secs_f64() / bound))
            .target(Target::AtMost(1.1)),
        );
    }
    report.push(
        Figure::new(
            row,
            title,
            "throttled",
            Unit::Count,
            our.stats.total_throttled as f64,
        )
        .vs(their.map(|phase| phase.stats.total_throttled as f64))
        .target(Target::AtMost(0.0)),
    );
    report.push(
        Figure::new(
            row,
            title,
            "API calls per resource",
            Unit::CallsPerResource,
            our.stats.total_requests as f64 / n as f64,
        )
        .vs(their.map(|phase| phase.stats.total_requests as f64 / n as f64)),
    );
    report.push(
        Figure::new(
            row,
            title,
            "failed changes",
            Unit::Count,
            our.failures.len() as f64,
        )
        .vs(their.map(|phase| phase.failures.len() as f64))
        .target(Target::AtMost(0.0)),
    );
    for (mode, phase) in [("snapform", Some(our)), ("terraform", their)] {
        let Some(phase) = phase else { continue };
        if let Some(first) = phase.failures.first() {
            report.notes.push(format!(
                "row {row} ({mode}): {} changes failed; the first: {first}",
                phase.failures.len()
            ));
        }
        if phase.n_done + phase.failures.len() < n {
            report.notes.push(format!(
                "row {row} ({mode}): only {} of {n} changes completed",
                phase.n_done
            ));
        }
        report.details.insert(
            format!("row{row}_{mode}"),
            json!({"requests": phase.stats.requests, "errors": phase.stats.errors, "throttled": phase.stats.total_throttled, "wall_seconds": phase.wall.as_secs_f64(), "completed": phase.n_done, "timeline": phase.timeline}),
        );
    }
}

async fn throughput_row(report: &mut Report, sizes: &Sizes) -> anyhow::Result<()> {
    progress("row 6: emulator throughput");
    let result = throughput::throughput(sizes.throughput).await?;
    let title = "emulator, signed requests (8 clients, no rate limit)";
    report.push(
        Figure::new(6, title, "throughput", Unit::PerSecond, result.per_second)
            .target(Target::AtLeast(5000.0)),
    );
    if result.n_failed > 0 {
        report.notes.push(format!(
            "row 6: {} of {} calls failed ({:?})",
            result.n_failed, sizes.throughput, result.stats.errors
        ));
    }
    report.details.insert(
        "row6".to_owned(),
        json!({"requests": result.stats.requests, "errors": result.stats.errors}),
    );
    Ok(())
}

async fn bulk_row(report: &mut Report, sizes: &Sizes) -> anyhow::Result<()> {
    let n = sizes.bulk;
    progress(&format!(
        "row 7: apply {} creates with no rate limit and no readiness time",
        thousands(n as f64)
    ));
    let workload = Workload::new(n);
    let cycle = apply::cycle(
        &workload,
        Setup {
            emulator_rate_limit: 0,
            ready_after: Duration::ZERO,
            terraform_way: false,
            destroy: false,
            store: Store::Local,
        },
    )
    .await?;
    let title = format!(
        "apply {} creates, no rate limit, ready at once (issue 6)",
        thousands(n as f64)
    );
    report.push(
        Figure::new(
            7,
            &title,
            "wall time",
            Unit::Seconds,
            cycle.create.wall.as_secs_f64(),
        )
        .target(Target::AtMost(5.0)),
    );
    push_phase_extras(report, &title, &cycle.create, n);
    Ok(())
}

fn push_phase_extras(report: &mut Report, title: &str, phase: &Phase, n: usize) {
    report.push(Figure::new(
        7,
        title,
        "API calls per resource",
        Unit::CallsPerResource,
        phase.stats.total_requests as f64 / n as f64,
    ));
    report.push(
        Figure::new(
            7,
            title,
            "failed changes",
            Unit::Count,
            phase.failures.len() as f64,
        )
        .target(Target::AtMost(0.0)),
    );
    if let Some(first) = phase.failures.first() {
        report.notes.push(format!(
            "row 7: {} changes failed; the first: {first}",
            phase.failures.len()
        ));
    }
    report.details.insert(
        "row7".to_owned(),
        json!({"requests": phase.stats.requests, "errors": phase.stats.errors, "wall_seconds": phase.wall.as_secs_f64()}),
    );
}
