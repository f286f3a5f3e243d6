//! The phases of a chaos run: apply rounds killed with kill -9, one apply per hostile mode,
//! destroy rounds killed with kill -9, each followed by runs until snapform converges and by
//! the checks.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use snapform_bench::workload::Workload;

use crate::Args;
use crate::checks::{self, Check, Moment, Outcome, Secrets};
use crate::hostile::{Mode, Proxy};
use crate::project::{SENSITIVE_VARIABLE, configure};
use crate::random::Rng;
use crate::report::{Figures, HostileFigure};
use snapform_bench::runs::{KillAt, Project, Run};
use snapform_bench::standalone::{Emulator, Settings};

/// A run that takes longer than this is stuck: it is killed and reported.
const RUN_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// The longest snapform may hold one broken answer before giving up on it: the transport's
/// grace for a body (1 s), its longest silence between two pieces (5 s), and slack.
const MAX_HOLD: Duration = Duration::from_secs(10);

/// Runs every phase and returns the figures.
pub fn run(
    args: &Args,
    modes: &[Mode],
    snapform: &Path,
    work: &Path,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let workload = Workload::new(args.resources);
    let mut rng = Rng::new(args.seed);
    let sensitive = format!("chaos-note-{:016x}", rng.next_u64());
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let inventory_file = work.join("inventory.json");
    std::fs::write(
        &inventory_file,
        serde_json::to_string(&workload.inventory())?,
    )
    .with_context(|| format!("cannot write {}", inventory_file.display()))?;
    let data_file = work.join("cloud.json");
    // A cloud left by an earlier run in the same --work-dir would count as orphans.
    let _ = std::fs::remove_file(&data_file);
    let fault_spec = args.fault_spec();
    let emulator = Emulator::start(
        snapform,
        Some(&data_file),
        &inventory_file,
        logs.join("emulator.log"),
        &Settings {
            ready_after: args.ready_after,
            rate_limit: args.rate_limit,
            faults: fault_spec.clone(),
            seed: args.seed,
        },
        runtime.handle().clone(),
    )?;
    let home = work.join("home");
    std::fs::create_dir_all(&home)?;
    let mut env = snapform_bench::standalone::run_env(&home);
    env.push((
        format!("SNAPFORM_VAR_{SENSITIVE_VARIABLE}"),
        sensitive.clone(),
    ));
    let project = Project::new(work.join("project"), logs, snapform.to_owned(), env)?;
    project.point_at(&emulator.endpoint)?;
    let mut chaos = Chaos {
        args,
        workload,
        rng,
        secrets: Secrets {
            keys: vec![
                snapform_emulator::DEFAULT_TENCENTCLOUD_SECRET_KEY.to_owned(),
                snapform_emulator::DEFAULT_ALICLOUD_ACCESS_KEY_SECRET.to_owned(),
            ],
            sensitive,
        },
        emulator,
        project,
        fault_spec,
        faults_active: true,
        step: 0,
        plan_estimate: Duration::from_secs(1),
        honest_peak_kib: 0,
        figures: Figures::new(args, modes),
    };
    chaos.apply_rounds()?;
    chaos.hostile(modes, runtime)?;
    chaos.destroy_rounds()?;
    chaos.figures.stats = chaos.emulator.stats()?;
    chaos.figures.n_runs = chaos.project.n_runs();
    chaos.figures.elapsed = started.elapsed();
    Ok(chaos.figures)
}

struct Chaos<'a> {
    args: &'a Args,
    workload: Workload,
    rng: Rng,
    secrets: Secrets,
    emulator: Emulator,
    project: Project,
    fault_spec: Option<String>,
    /// Whether the emulator's faults are on outside the checks (off for the hostile phase).
    faults_active: bool,
    /// The configuration's generation: every apply phase gets a new one.
    step: u64,
    /// How long the last run took to print its plan: kills by time fall in that window.
    plan_estimate: Duration,
    /// The highest peak memory of an honest run, against which hostile runs are measured.
    honest_peak_kib: u64,
    figures: Figures,
}

impl Chaos<'_> {
    fn apply_rounds(&mut self) -> anyhow::Result<()> {
        for round in 1..=self.args.rounds {
            let label = format!("apply round {round}");
            progress(&label);
            self.step += 1;
            if round > 1 {
                self.drift()?;
            }
            configure(&self.project, &self.workload, self.args.seed, self.step)?;
            self.killed("apply", &label)?;
            self.converge("apply", Moment::Converged, &label)?;
        }
        Ok(())
    }

    /// Against the hostile server: every run ends within its bound, and every broken answer
    /// (a trickle, an endless or a huge body) is given up within [`MAX_HOLD`].
    fn hostile(&mut self, modes: &[Mode], runtime: &tokio::runtime::Runtime) -> anyhow::Result<()> {
        if modes.is_empty() {
            return Ok(());
        }
        // Faults off: every failure of this phase is the hostile server's.
        self.faults_active = false;
        self.set_faults(false)?;
        let proxy = runtime.block_on(Proxy::start(
            self.emulator.addr,
            self.args.hostile_rate,
            self.args.seed,
        ))?;
        for mode in modes {
            let label = format!("hostile {}", mode.name());
            progress(&label);
            self.step += 1;
            configure(&self.project, &self.workload, self.args.seed, self.step)?;
            self.project.point_at(&proxy.endpoint)?;
            proxy.set_mode(Some(*mode));
            // More resources make more calls, and a quarter of them answer badly: the run's
            // bound grows with the size; what bounds each call is checked on its own below.
            let bound =
                self.args.hostile_timeout + Duration::from_millis(100 * self.args.resources as u64);
            let run = self.run(&["apply", "-auto-approve"], None, bound, &label);
            let counts = proxy.counts();
            proxy.set_mode(None);
            self.project.point_at(&self.emulator.endpoint)?;
            let mut outcome = Outcome::default();
            let hung = run.timed_out.then(|| {
                format!(
                    "still running after {bound:?}, killed ({} of {} answers corrupted)",
                    counts.corrupted, counts.answered
                )
            });
            let held = (counts.longest_hold > MAX_HOLD).then(|| {
                format!(
                    "one answer was held for {:.1} s, more than the {} s a call may take to give up on a broken answer",
                    counts.longest_hold.as_secs_f64(),
                    MAX_HOLD.as_secs()
                )
            });
            outcome.record(Check::HostileBounded, hung.or(held));
            // Apply prints failed steps as `Error: ...` on stdout, other errors as `error: ...`
            // on stderr.
            let error_line = run
                .stderr
                .lines()
                .chain(run.stdout.lines())
                .find(|line| line.starts_with("error:") || line.starts_with("Error:"))
                .unwrap_or_default()
                .to_owned();
            let clear =
                run.ok() || run.timed_out || (run.code == Some(1) && !error_line.is_empty());
            outcome.record(
                Check::HostileClear,
                (!clear).then(|| format!("exit {:?}: {}", run.code, run.error_tail())),
            );
            let limit_kib = self.honest_peak_kib + self.args.hostile_memory_mib * 1024;
            outcome.record(
                Check::HostileMemory,
                (run.peak_rss_kib > limit_kib).then(|| {
                    format!(
                        "peak memory {} MiB, the honest runs' peak is {} MiB",
                        run.peak_rss_kib / 1024,
                        self.honest_peak_kib / 1024
                    )
                }),
            );
            self.figures.absorb(&label, outcome);
            self.figures.hostile.push(HostileFigure {
                mode: *mode,
                counts,
                elapsed: run.elapsed,
                code: run.code,
                timed_out: run.timed_out,
                peak_rss_kib: run.peak_rss_kib,
                error: error_line,
            });
            self.settle();
            self.check(Moment::Interrupted, &label)?;
            self.converge("apply", Moment::Converged, &label)?;
        }
        self.faults_active = true;
        self.set_faults(true)
    }

    fn destroy_rounds(&mut self) -> anyhow::Result<()> {
        for round in 1..=self.args.destroy_rounds {
            let label = format!("destroy round {round}");
            progress(&label);
            if round > 1 || (self.args.rounds == 0 && self.figures.hostile.is_empty()) {
                // Something to destroy.
                self.step += 1;
                configure(&self.project, &self.workload, self.args.seed, self.step)?;
                self.converge("apply", Moment::Converged, &label)?;
            }
            self.killed("destroy", &label)?;
            self.converge("destroy", Moment::Destroyed, &label)?;
        }
        Ok(())
    }

    /// Deletes about one object in fifty and renames about one in fifty of those whose name
    /// updates in place, through the control API, as someone working in the console would.
    fn drift(&mut self) -> anyhow::Result<()> {
        let mut objects = self.emulator.objects()?;
        if objects.is_empty() {
            return Ok(());
        }
        let n_delete = (objects.len() / 50).max(1);
        for _ in 0..n_delete {
            let object = objects.swap_remove(self.rng.below(objects.len()));
            self.emulator.delete(&object.id)?;
            self.figures.drift_deleted += 1;
            if objects.is_empty() {
                return Ok(());
            }
        }
        let mut renamable: Vec<_> = objects
            .into_iter()
            .filter(|object| object.kind.name_updates_in_place())
            .collect();
        let n_rename = (renamable.len() / 50).max(1).min(renamable.len());
        for _ in 0..n_rename {
            let object = renamable.swap_remove(self.rng.below(renamable.len()));
            let name = format!("drifted-{}", self.rng.below(1_000_000));
            self.emulator.rename(&object.id, &name)?;
            self.figures.drift_renamed += 1;
        }
        Ok(())
    }

    /// A run of `command` killed with kill -9 at a random moment (when it has not finished by
    /// then), and the checks that must hold after a crash.
    fn killed(&mut self, command: &str, label: &str) -> anyhow::Result<()> {
        // Three kills in ten by time, within the time the plan took last (refresh and plan);
        // the rest at a share of the apply's events, creates, updates and deletes in flight.
        let kill_at = if self.rng.chance(0.3) {
            KillAt::After(self.plan_estimate.mul_f64(1.2 * self.rng.unit()))
        } else {
            KillAt::Progress(self.rng.unit())
        };
        let run = self.run(
            &[command, "-auto-approve"],
            Some(kill_at),
            RUN_DEADLINE,
            label,
        );
        if let Some(plan_after) = run.plan_after {
            self.plan_estimate = plan_after;
        }
        if run.killed {
            *self.figures.kills.entry(command.to_owned()).or_default() += 1;
        } else {
            self.figures.finished_before_kill += 1;
        }
        self.settle();
        self.check(Moment::Interrupted, label)
    }

    /// Runs `command` until it succeeds, then checks the state against the cloud at `moment`;
    /// after an apply, also that a plan (faults off) shows no changes.
    fn converge(&mut self, command: &str, moment: Moment, label: &str) -> anyhow::Result<()> {
        let most = self.args.max_runs + 3;
        let mut runs = 0;
        let converged = loop {
            runs += 1;
            let run = self.run(&[command, "-auto-approve"], None, RUN_DEADLINE, label);
            self.honest_peak_kib = self.honest_peak_kib.max(run.peak_rss_kib);
            if command == "apply" {
                self.figures.longest_apply = self.figures.longest_apply.max(run.elapsed);
            }
            if let Some(plan_after) = run.plan_after {
                self.plan_estimate = plan_after;
            }
            if run.ok() {
                break true;
            }
            self.figures.notes.push(format!(
                "{label}: {} run {runs} failed: {}",
                run.what,
                run.error_tail()
            ));
            if runs >= most {
                break false;
            }
        };
        let mut outcome = Outcome::default();
        outcome.record(
            Check::Converges,
            (!converged || runs > self.args.max_runs).then(|| {
                if converged {
                    format!("{command} took {runs} runs to converge")
                } else {
                    format!("{command} did not converge in {runs} runs")
                }
            }),
        );
        self.figures.runs_to_converge.push(runs);
        if converged && command == "apply" {
            self.set_faults(false)?;
            let plan = self.run(
                &["plan", "-detailed-exitcode", "-out=chaos.tfplan"],
                None,
                RUN_DEADLINE,
                label,
            );
            outcome.record(
                Check::NoChanges,
                (plan.code != Some(0)).then(|| {
                    let changes = plan
                        .stdout
                        .lines()
                        .find(|line| line.starts_with("Plan:"))
                        .unwrap_or_default()
                        .to_owned();
                    format!("plan exit {:?}: {changes} {}", plan.code, plan.error_tail())
                }),
            );
            self.set_faults(self.faults_active)?;
        }
        self.figures.absorb(label, outcome);
        self.settle();
        self.check(
            if converged {
                moment
            } else {
                Moment::Interrupted
            },
            label,
        )
    }

    /// Runs snapform and checks its output for secrets and panics.
    fn run(
        &mut self,
        args: &[&str],
        kill_at: Option<KillAt>,
        deadline: Duration,
        label: &str,
    ) -> Run {
        let run = self.project.run(args, kill_at, deadline);
        let mut outcome = Outcome::default();
        outcome.record_all(
            Check::NoSecret,
            self.secrets.output(&run.what, &run.stdout, &run.stderr),
        );
        let ours = run.killed || run.timed_out;
        let panicked = run.stderr.contains("panicked at") || run.code == Some(101);
        outcome.record(
            Check::NoPanic,
            (panicked || (run.code.is_none() && !ours)).then(|| {
                format!(
                    "`{}` ended with {:?}: {}",
                    run.what,
                    run.code,
                    run.error_tail()
                )
            }),
        );
        self.figures.absorb(label, outcome);
        run
    }

    /// Compares the state with the cloud and looks for secrets in the project's files.
    fn check(&mut self, moment: Moment, label: &str) -> anyhow::Result<()> {
        let mut outcome = Outcome::default();
        let state = match checks::read_state(&self.project.dir) {
            Ok(state) => {
                outcome.record(Check::StateDecodes, None);
                state
            }
            Err(error) => {
                outcome.record(Check::StateDecodes, Some(error));
                None
            }
        };
        let cloud = self.emulator.objects()?;
        checks::state_and_cloud(&mut outcome, state.as_ref(), &cloud, moment);
        outcome.record_all(Check::NoSecret, self.secrets.files(&self.project.dir));
        self.figures.absorb(label, outcome);
        for name in checks::state_temporaries(&self.project.dir) {
            self.figures.state_temporaries.insert(name);
        }
        Ok(())
    }

    fn set_faults(&self, on: bool) -> anyhow::Result<()> {
        let spec = self.fault_spec.as_deref().filter(|_| on);
        self.emulator
            .set_faults(spec, self.args.seed.wrapping_add(self.step))
    }

    /// Waits until deleted CBS backups and ENS snapshots are no longer listed (the emulator
    /// keeps them for half the readiness time), so they count neither as orphans nor as
    /// present.
    fn settle(&self) {
        std::thread::sleep(self.args.ready_after / 2 + Duration::from_millis(300));
    }
}

/// One progress line on stderr.
fn progress(what: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "chaos: {what}");
}
