//! Row 9 (issue 13): the real `snapform` binary at a fleet's size, as a user with a large
//! fleet runs it: a generated configuration (`for_each` over variable maps for four types,
//! `count` for snapshot groups), a standalone `snapform emulator` with readiness and rate
//! limits lifted, providers with `rate_limit = 100000`, then `validate`, `plan -out`,
//! `show -json` of that plan, `apply PLANFILE`, `plan` again (with refresh) and `destroy`.
//! Each step's time and peak memory come from the child process itself; its output goes to a
//! file, as `snapform show -json plan.bin > plan.json` would, so reading it costs the
//! measurement nothing.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use snapform_bench::runs::{Project, Run};
use snapform_bench::standalone::{Emulator, Settings};
use snapform_bench::workload::{Kind, Workload};

/// The steps, in order, as `snapform` arguments.
pub const STEPS: [(&str, &[&str]); 6] = [
    ("validate", &["validate"]),
    ("plan -out", &["plan", "-out=plan.bin"]),
    ("show -json", &["show", "-json", "plan.bin"]),
    ("apply PLANFILE", &["apply", "plan.bin"]),
    ("plan (refresh)", &["plan", "-detailed-exitcode"]),
    ("destroy", &["destroy", "-auto-approve"]),
];

/// How many times each size runs its lifecycle; each step's figures are the medians. On this
/// 2-core machine one run's times move by about 10 % from run to run and a destroy's peak
/// memory by as much (the allocator's timing), so one run at the edge of a target decides
/// nothing; the median of three does not hang on one slow or one lucky run.
pub const LIFECYCLES: usize = 3;

/// Each step's median time and median peak memory over `lifecycles` of the same size.
pub fn median(lifecycles: &[Vec<Step>]) -> Vec<Step> {
    fn middle<T: Copy + Ord>(mut values: Vec<T>) -> T {
        values.sort_unstable();
        values[values.len() / 2]
    }
    lifecycles[0]
        .iter()
        .enumerate()
        .map(|(idx, step)| Step {
            name: step.name,
            elapsed: middle(lifecycles.iter().map(|run| run[idx].elapsed).collect()),
            peak_kib: middle(lifecycles.iter().map(|run| run[idx].peak_kib).collect()),
        })
        .collect()
}

/// A note with each step's range over `lifecycles` at `n` instances.
pub fn spread(n: usize, lifecycles: &[Vec<Step>]) -> String {
    let mut note = format!("row 9 at {n} instances, {} lifecycles:", lifecycles.len());
    for (idx, step) in lifecycles[0].iter().enumerate() {
        let range = |values: Vec<f64>| {
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(0.0, f64::max);
            (low, high)
        };
        let (fast, slow) = range(
            lifecycles
                .iter()
                .map(|run| run[idx].elapsed.as_secs_f64())
                .collect(),
        );
        let (least, most) = range(
            lifecycles
                .iter()
                .map(|run| run[idx].peak_kib as f64 / 1024.0)
                .collect(),
        );
        let _ = write!(
            note,
            " {} {fast:.2}-{slow:.2} s, {least:.0}-{most:.0} MiB;",
            step.name
        );
    }
    note.pop();
    note
}

/// One step at one size.
#[derive(Clone, Debug)]
pub struct Step {
    /// Its name in [`STEPS`].
    pub name: &'static str,
    /// Wall-clock time of the process.
    pub elapsed: Duration,
    /// Its peak resident memory, in KiB.
    pub peak_kib: u64,
}

/// Runs every step at `n` instances in `work`, removed at the end unless `keep`; fails when a
/// step fails.
pub fn steps_at(snapform: &Path, n: usize, work: &Path, keep: bool) -> anyhow::Result<Vec<Step>> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).with_context(|| format!("cannot create {}", work.display()))?;
    let workload = Workload::new(n);
    let inventory_file = work.join("inventory.json");
    std::fs::write(
        &inventory_file,
        serde_json::to_string(&workload.inventory())?,
    )?;
    let runtime = tokio::runtime::Runtime::new()?;
    let emulator = Emulator::start(
        snapform,
        None,
        &inventory_file,
        work.join("emulator.log"),
        &Settings {
            ready_after: Duration::ZERO,
            rate_limit: 0,
            faults: None,
            seed: 1,
        },
        runtime.handle().clone(),
    )?;
    let home = work.join("home");
    std::fs::create_dir_all(&home)?;
    let env = snapform_bench::standalone::run_env(&home);
    let project = Project::new(
        work.join("project"),
        work.join("logs"),
        snapform.to_owned(),
        env,
    )?;
    project.write("providers.hcl", &providers(&emulator.endpoint))?;
    project.write("main.hcl", &fleet_config(&workload))?;
    let deadline = Duration::from_secs(30 * 60);
    let mut steps = Vec::with_capacity(STEPS.len());
    for (name, args) in STEPS {
        let run: Run = project.run_to_log(args, deadline);
        // `plan -detailed-exitcode` after the apply must find nothing to do: 0.
        if !run.ok() {
            bail!(
                "`{}` at {n} instances failed (exit {:?}): {}",
                run.what,
                run.code,
                run.error_tail()
            );
        }
        steps.push(Step {
            name,
            elapsed: run.elapsed,
            peak_kib: run.peak_rss_kib,
        });
    }
    drop(emulator);
    if !keep {
        let _ = std::fs::remove_dir_all(work);
    }
    Ok(steps)
}

/// Both providers at `endpoint`, with rate limits lifted.
fn providers(endpoint: &str) -> String {
    format!(
        "provider \"tencentcloud\" {{\n  region     = \"{}\"\n  endpoint   = \"{endpoint}\"\n  rate_limit = 100000\n}}\n\nprovider \"alicloud\" {{\n  region     = \"{}\"\n  endpoint   = \"{endpoint}\"\n  rate_limit = 100000\n}}\n",
        snapform_bench::workload::TENCENT_REGION,
        snapform_bench::workload::ALICLOUD_REGION
    )
}

/// The fleet: a variable map per type and one `for_each` resource over it, except snapshot
/// groups, which take `count` and compute their disks.
pub fn fleet_config(workload: &Workload) -> String {
    let mut text = String::with_capacity(workload.len() * 80);
    for kind in Kind::ALL {
        let specs: Vec<_> = workload
            .specs
            .iter()
            .filter(|spec| spec.kind == kind)
            .collect();
        if specs.is_empty() {
            continue;
        }
        if kind == Kind::CbsSnapshotGroup {
            let _ = write!(
                text,
                "resource \"{}\" \"fleet\" {{\n  count               = {}\n  disk_ids            = [format(\"disk-g%07d\", 2 * count.index), format(\"disk-g%07d\", 2 * count.index + 1)]\n  snapshot_group_name = \"group-${{count.index}}\"\n}}\n\n",
                kind.type_name(),
                specs.len()
            );
            continue;
        }
        let variable = format!("{}_fleet", kind.emulator_type());
        let _ = writeln!(
            text,
            "variable \"{variable}\" {{\n  type = map(string)\n  default = {{"
        );
        for spec in &specs {
            let _ = writeln!(text, "    {} = \"{}\"", spec.key(), spec.parents[0]);
        }
        let body = snapform_bench::workload::fleet_body(kind);
        let _ = writeln!(
            text,
            "  }}\n}}\n\nresource \"{}\" \"fleet\" {{\n  for_each = var.{variable}\n{body}}}\n",
            kind.type_name()
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &'static str, millis: u64, peak_kib: u64) -> Step {
        Step {
            name,
            elapsed: Duration::from_millis(millis),
            peak_kib,
        }
    }

    #[test]
    fn each_figure_is_its_own_median_and_the_note_gives_the_range() {
        let lifecycles = vec![
            vec![step("validate", 300, 900), step("destroy", 4_600, 400_000)],
            vec![step("validate", 900, 100), step("destroy", 4_700, 350_000)],
            vec![step("validate", 400, 500), step("destroy", 6_800, 380_000)],
        ];
        let middle = median(&lifecycles);
        // The slow run's time and the lucky run's memory each fall out on their own.
        assert_eq!(middle[0].elapsed, Duration::from_millis(400));
        assert_eq!(middle[0].peak_kib, 500);
        assert_eq!(middle[1].elapsed, Duration::from_millis(4_700));
        assert_eq!(middle[1].peak_kib, 380_000);
        assert_eq!(
            spread(100_000, &lifecycles),
            "row 9 at 100000 instances, 3 lifecycles: validate 0.30-0.90 s, 0-1 MiB; destroy 4.60-6.80 s, 342-391 MiB"
        );
    }
}
