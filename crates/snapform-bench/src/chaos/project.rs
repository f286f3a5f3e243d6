//! The project a chaos run works in: its generated configuration, which changes from step to
//! step, and runs of the real `snapform` binary in it, each one killable with kill -9 at a
//! chosen moment and watched for its time and peak memory.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use snapform_bench::workload::{ALICLOUD_REGION, ENS_REGION, Kind, Spec, TENCENT_REGION, Workload};

use crate::random::mix;

/// The name of the sensitive variable that the descriptions carry.
pub const SENSITIVE_VARIABLE: &str = "backup_note";

/// A directory holding a configuration, its state, and the logs of every run.
pub struct Project {
    /// The configuration's directory (the runs' working directory).
    pub dir: PathBuf,
    logs: PathBuf,
    snapform: PathBuf,
    env: Vec<(String, String)>,
    n_runs: AtomicUsize,
}

/// When to kill a run with SIGKILL.
#[derive(Clone, Copy, Debug)]
pub enum KillAt {
    /// This long after it started.
    After(Duration),
    /// After this share of the apply's events: the lines following the plan's summary
    /// (`Plan: ...`), such as `Creating...` and `Creation complete`, two per planned change.
    Progress(f64),
}

/// How a run went.
#[derive(Debug)]
pub struct Run {
    /// What was run, for messages.
    pub what: String,
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    /// Killed by us at the chosen moment (before it finished).
    pub killed: bool,
    /// Killed by us because it outlived its deadline.
    pub timed_out: bool,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Time until the plan's summary line, when it printed one.
    pub plan_after: Option<Duration>,
    /// The highest resident memory seen (VmHWM), in KiB; 0 where /proc is not readable.
    pub peak_rss_kib: u64,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Whether it ended by itself with exit code 0.
    pub fn ok(&self) -> bool {
        self.code == Some(0) && !self.killed && !self.timed_out
    }

    /// The last lines of its error output, for messages.
    pub fn error_tail(&self) -> String {
        let lines: Vec<&str> = self.stderr.lines().collect();
        lines[lines.len().saturating_sub(6)..].join(" | ")
    }
}

impl Project {
    /// A project in `dir` (created), logging runs to `logs`, running `snapform` with `env`.
    pub fn new(
        dir: PathBuf,
        logs: PathBuf,
        snapform: PathBuf,
        env: Vec<(String, String)>,
    ) -> anyhow::Result<Project> {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("cannot create {}", logs.display()))?;
        Ok(Project {
            dir,
            logs,
            snapform,
            env,
            n_runs: AtomicUsize::new(0),
        })
    }

    /// Points both providers at `endpoint`.
    pub fn point_at(&self, endpoint: &str) -> anyhow::Result<()> {
        let text = format!(
            "provider \"tencentcloud\" {{\n  region   = \"{TENCENT_REGION}\"\n  endpoint = \"{endpoint}\"\n}}\n\nprovider \"alicloud\" {{\n  region   = \"{ALICLOUD_REGION}\"\n  endpoint = \"{endpoint}\"\n}}\n"
        );
        self.write("providers.hcl", &text)
    }

    /// Writes the configuration of `step`.
    pub fn configure(&self, workload: &Workload, seed: u64, step: u64) -> anyhow::Result<()> {
        self.write("main.hcl", &config_text(workload, seed, step))
    }

    fn write(&self, name: &str, text: &str) -> anyhow::Result<()> {
        let path = self.dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    }

    /// The number of runs so far.
    pub fn n_runs(&self) -> usize {
        self.n_runs.load(Ordering::Relaxed)
    }

    /// Runs `snapform ARGS`, killing it at `kill_at` (when it is still running then) or at
    /// `deadline`, and logs what it printed.
    pub fn run(&self, args: &[&str], kill_at: Option<KillAt>, deadline: Duration) -> Run {
        let n = self.n_runs.fetch_add(1, Ordering::Relaxed) + 1;
        let what = format!("snapform {}", args.join(" "));
        let started = Instant::now();
        let spawned = Command::new(&self.snapform)
            .args(args)
            .current_dir(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => {
                return Run {
                    what,
                    code: None,
                    killed: false,
                    timed_out: false,
                    elapsed: started.elapsed(),
                    plan_after: None,
                    peak_rss_kib: 0,
                    stdout: String::new(),
                    stderr: format!("cannot start {}: {error}", self.snapform.display()),
                };
            }
        };
        let pid = child.id();
        let events = Arc::new(Watch::default());
        let stdout = child.stdout.take().expect("stdout is piped");
        let stdout_reader = {
            let events = Arc::clone(&events);
            std::thread::spawn(move || {
                let mut text = String::new();
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    events.line(&line, started);
                    text.push_str(&line);
                    text.push('\n');
                }
                text
            })
        };
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let stderr_reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        let mut peak_rss_kib = 0;
        let mut killed = false;
        let mut timed_out = false;
        let code = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status.code();
            }
            peak_rss_kib = peak_rss_kib.max(vm_hwm_kib(pid));
            let elapsed = started.elapsed();
            let due = match kill_at {
                Some(KillAt::After(after)) => elapsed >= after,
                Some(KillAt::Progress(share)) => {
                    events.after_plan().is_some_and(|(seen, changes)| {
                        seen as f64 >= (share * 2.0 * changes as f64).floor()
                    })
                }
                None => false,
            };
            if due || elapsed >= deadline {
                // std's kill is SIGKILL on Unix: kill -9.
                let _ = child.kill();
                killed = due;
                timed_out = !due;
                break child.wait().ok().and_then(|status| status.code());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = stdout_reader.join().unwrap_or_default();
        let stderr = stderr_reader.join().unwrap_or_default();
        let command = args.first().copied().unwrap_or("run");
        let _ = std::fs::write(self.logs.join(format!("{n:04}-{command}.stdout")), &stdout);
        let _ = std::fs::write(self.logs.join(format!("{n:04}-{command}.stderr")), &stderr);
        let watch = events.plan.lock().map(|plan| *plan).unwrap_or_default();
        Run {
            what,
            code,
            killed,
            timed_out,
            elapsed: started.elapsed(),
            plan_after: watch.map(|(after, _)| after),
            peak_rss_kib,
            stdout,
            stderr,
        }
    }
}

/// What the stdout reader has seen so far.
#[derive(Default)]
struct Watch {
    /// When the plan's summary line came, and the changes it announced.
    plan: Mutex<Option<(Duration, usize)>>,
    /// Lines since the plan's summary line.
    after_plan: AtomicUsize,
}

impl Watch {
    fn line(&self, line: &str, started: Instant) {
        let mut plan = self
            .plan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if plan.is_some() {
            self.after_plan.fetch_add(1, Ordering::Relaxed);
        } else if let Some(changes) = planned_changes(line) {
            *plan = Some((started.elapsed(), changes));
        }
    }

    /// The lines since the plan's summary and the changes it announced, once it came.
    fn after_plan(&self) -> Option<(usize, usize)> {
        let plan = self
            .plan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        plan.map(|(_, changes)| (self.after_plan.load(Ordering::Relaxed), changes))
    }
}

/// The total of `Plan: A to add, C to change, D to destroy.`.
fn planned_changes(line: &str) -> Option<usize> {
    let rest = line.trim().strip_prefix("Plan: ")?;
    Some(
        rest.split(',')
            .filter_map(|part| part.split_whitespace().next()?.parse::<usize>().ok())
            .sum(),
    )
}

/// The process's peak resident memory in KiB, from `/proc/PID/status` (0 when unreadable).
fn vm_hwm_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| value.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// Whether the configuration of `step` holds `spec`: all of them at step 1, then about one in
/// eight is left out at each step, so every apply has creates and deletes to do.
pub fn present(seed: u64, step: u64, spec: &Spec) -> bool {
    step <= 1 || !mix(&[seed, step, kind_idx(spec.kind), spec.idx as u64, 1]).is_multiple_of(8)
}

/// The name of `spec` at `step`: from step 2 on, about one in twelve gets a new version, an
/// update in place for Lighthouse and ENS snapshots and a replacement for the other kinds.
pub fn name(seed: u64, step: u64, spec: &Spec) -> String {
    let version = (2..=step)
        .filter(|s| mix(&[seed, *s, kind_idx(spec.kind), spec.idx as u64, 2]).is_multiple_of(12))
        .count();
    if version == 0 {
        format!("nightly-i{}", spec.idx)
    } else {
        format!("nightly-i{}-v{version}", spec.idx)
    }
}

fn kind_idx(kind: Kind) -> u64 {
    Kind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is listed") as u64
}

/// The configuration of `step`: a sensitive variable, then per kind a third of the instances
/// as plain blocks and the rest as one `for_each` resource over a local map, as fleets are
/// written. ECD and ENS descriptions carry the sensitive variable.
pub fn config_text(workload: &Workload, seed: u64, step: u64) -> String {
    let mut text = String::with_capacity(workload.len() * 200);
    let _ = writeln!(
        text,
        "variable \"{SENSITIVE_VARIABLE}\" {{\n  type      = string\n  sensitive = true\n}}\n"
    );
    for kind in Kind::ALL {
        let specs: Vec<&Spec> = workload
            .specs
            .iter()
            .filter(|spec| spec.kind == kind && present(seed, step, spec))
            .collect();
        for spec in specs.iter().filter(|spec| spec.plain) {
            let parent = match kind {
                Kind::CbsSnapshotGroup => {
                    format!("[\"{}\", \"{}\"]", spec.parents[0], spec.parents[1])
                }
                _ => format!("\"{}\"", spec.parents[0]),
            };
            let _ = writeln!(
                text,
                "resource \"{}\" \"i{}\" {{\n{}}}\n",
                kind.type_name(),
                spec.idx,
                body(kind, &parent, &format!("\"{}\"", name(seed, step, spec)))
            );
        }
        let fleet: Vec<&&Spec> = specs.iter().filter(|spec| !spec.plain).collect();
        if fleet.is_empty() {
            continue;
        }
        let local = format!("{}_fleet", kind.emulator_type());
        let _ = writeln!(text, "locals {{\n  {local} = {{");
        for spec in &fleet {
            let parent = match kind {
                Kind::CbsSnapshotGroup => {
                    format!("[\"{}\", \"{}\"]", spec.parents[0], spec.parents[1])
                }
                _ => format!("\"{}\"", spec.parents[0]),
            };
            let _ = writeln!(
                text,
                "    i{} = {{ parent = {parent}, name = \"{}\" }}",
                spec.idx,
                name(seed, step, spec)
            );
        }
        let _ = writeln!(
            text,
            "  }}\n}}\n\nresource \"{}\" \"fleet\" {{\n  for_each = local.{local}\n{}}}\n",
            kind.type_name(),
            body(kind, "each.value.parent", "each.value.name")
        );
    }
    text
}

/// A resource block's arguments, given the parent and name expressions.
fn body(kind: Kind, parent: &str, name: &str) -> String {
    let mut res = String::new();
    if kind == Kind::EnsSnapshot {
        let _ = writeln!(res, "  ens_region_id = \"{ENS_REGION}\"");
    }
    let _ = writeln!(res, "  {} = {parent}", kind.parent_argument());
    let _ = writeln!(res, "  {} = {name}", kind.name_argument());
    if kind == Kind::EcdSnapshot {
        let _ = writeln!(res, "  source_disk_type = \"system\"");
    }
    if kind.has_description() {
        let _ = writeln!(
            res,
            "  description = \"note ${{var.{SENSITIVE_VARIABLE}}}\""
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_summary_line_is_read() {
        assert_eq!(
            planned_changes("Plan: 3 to add, 1 to change, 2 to destroy."),
            Some(6)
        );
        assert_eq!(planned_changes("  # x will be created"), None);
    }

    #[test]
    fn every_step_configuration_loads_without_diagnostics() {
        let workload = Workload::new(23);
        for step in [1, 2, 7] {
            let mut sources = snapform_core::SourceMap::new();
            let loaded = snapform_config::load_sources(
                vec![snapform_config::SourceFile {
                    name: "main.hcl".to_owned(),
                    text: config_text(&workload, 3, step),
                }],
                Vec::new(),
                &snapform_config::LoadOptions {
                    env_vars: vec![(SENSITIVE_VARIABLE.to_owned(), "secret".to_owned())],
                    ..snapform_config::LoadOptions::default()
                },
                &mut sources,
            );
            assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
            let n_instances: usize = loaded
                .config
                .resources
                .iter()
                .map(|res| res.instances.len())
                .sum();
            let expected = workload
                .specs
                .iter()
                .filter(|spec| present(3, step, spec))
                .count();
            assert_eq!(n_instances, expected, "step {step}");
        }
    }
}
