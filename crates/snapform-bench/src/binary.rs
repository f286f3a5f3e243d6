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
