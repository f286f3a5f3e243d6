//! Runs of the real `snapform` binary in a project directory, each one killable with kill -9
//! at a chosen moment and watched for its time and peak memory; shared by the chaos command
//! and the benchmark's rows that go through the binary.

use std::io::{BufRead, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::workload::{ALICLOUD_REGION, TENCENT_REGION};

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

    /// Writes `text` to the file `name` of the project.
    pub fn write(&self, name: &str, text: &str) -> anyhow::Result<()> {
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
        self.run_with(args, kill_at, deadline, false)
    }

    /// Runs `snapform ARGS` as `snapform ARGS > FILE` does, its output going straight to its
    /// log file, unread: a step of a fleet prints tens of megabytes, and reading them line by
    /// line on a 2-core machine would take the time being measured. [`Run::stdout`] is empty.
    pub fn run_to_log(&self, args: &[&str], deadline: Duration) -> Run {
        self.run_with(args, None, deadline, true)
    }

    fn run_with(
        &self,
        args: &[&str],
        kill_at: Option<KillAt>,
        deadline: Duration,
        stdout_to_log: bool,
    ) -> Run {
        let n = self.n_runs.fetch_add(1, Ordering::Relaxed) + 1;
        let what = format!("snapform {}", args.join(" "));
        let command = args.first().copied().unwrap_or("run");
        let stdout_log = self.logs.join(format!("{n:04}-{command}.stdout"));
        let stdout_to = if stdout_to_log {
            match std::fs::File::create(&stdout_log) {
                Ok(file) => Stdio::from(file),
                Err(_) => Stdio::null(),
            }
        } else {
            Stdio::piped()
        };
        let started = Instant::now();
        let spawned = Command::new(&self.snapform)
            .args(args)
            .current_dir(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("NO_COLOR", "1")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null())
            .stdout(stdout_to)
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
        let stdout = child.stdout.take();
        let stdout_reader = {
            let events = Arc::clone(&events);
            std::thread::spawn(move || {
                let mut text = String::new();
                let Some(stdout) = stdout else {
                    return text;
                };
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
        // The process's own time: until it exits, not until its output is read and logged
        // (an 88 MB `show -json` takes a second more to drain and write).
        let (code, ended) = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break (status.code(), started.elapsed());
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
                let ended = started.elapsed();
                break (child.wait().ok().and_then(|status| status.code()), ended);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = stdout_reader.join().unwrap_or_default();
        let stderr = stderr_reader.join().unwrap_or_default();
        if !stdout_to_log {
            let _ = std::fs::write(&stdout_log, &stdout);
        }
        let _ = std::fs::write(self.logs.join(format!("{n:04}-{command}.stderr")), &stderr);
        let watch = events.plan.lock().map(|plan| *plan).unwrap_or_default();
        Run {
            what,
            code,
            killed,
            timed_out,
            elapsed: ended,
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
}
