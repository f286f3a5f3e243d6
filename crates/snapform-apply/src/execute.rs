//! Executing a plan: every ready change runs at once, bounded by the parallelism, the
//! providers' per-action token buckets and the plan's edges (which already order changes that
//! touch the same disk). The state is saved after every step, an intent before every create,
//! and a create whose outcome is unknown is looked up before it is tried again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use snapform_core::{ProviderAddr, ResourceInstanceAddr, Value};
use snapform_planner::{Action, Counts, Plan, ResourceChange};
use snapform_provider::{Attributes, Provider};
use snapform_state::{State, TrackedState};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::Providers;
use crate::poller::Poller;
use crate::saver::Saver;
use crate::scheduling::Scheduling;

mod steps;

/// What a step is doing, for progress lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Creating.
    Create,
    /// Changing in place.
    Update,
    /// Deleting.
    Delete,
    /// Taking an existing resource into the state.
    Adopt,
    /// Recording an object an `import` block names.
    Import,
    /// Removing a record from the state and keeping its object (`destroy = false`).
    Forget,
}

/// Progress of an apply, for the command line's views.
#[derive(Clone, Debug)]
pub enum Event {
    /// A step started.
    Started {
        /// The instance.
        addr: ResourceInstanceAddr,
        /// What it does.
        phase: Phase,
        /// The object's ID, for deletes.
        id: Option<String>,
    },
    /// A step is still waiting for the cloud.
    Progress {
        /// The instance.
        addr: ResourceInstanceAddr,
        /// What it does.
        phase: Phase,
        /// Since the step started.
        elapsed: Duration,
        /// The cloud's progress, when it reports one.
        percent: Option<u8>,
    },
    /// Something to know that is not a failure (an unknown outcome being looked into).
    Note {
        /// The instance.
        addr: ResourceInstanceAddr,
        /// What happened.
        message: String,
    },
    /// A step finished.
    Completed {
        /// The instance.
        addr: ResourceInstanceAddr,
        /// What it did.
        phase: Phase,
        /// How long it took.
        elapsed: Duration,
        /// The resource's ID.
        id: Option<String>,
    },
    /// A step failed.
    Failed {
        /// The instance.
        addr: ResourceInstanceAddr,
        /// What it was doing.
        phase: Phase,
        /// Why, with the cloud's code, message and request id.
        error: String,
    },
}

/// Receives progress; implemented by the command line's views.
pub trait Hook: Send + Sync {
    /// One event.
    fn event(&self, event: Event);
}

/// Computes a change's arguments again once the values it was waiting for are known (a
/// reference to a resource created earlier in the same apply).
pub type Resolver = dyn Fn(&ResourceInstanceAddr, &State) -> Option<Attributes> + Send + Sync;

/// How to apply.
pub struct ApplyOptions {
    /// `-parallelism`: see [`Scheduling`] for what it bounds.
    pub parallelism: usize,
    /// Time between two polls of waiting resources.
    pub poll_interval: Duration,
    /// How long a new ID may be missing from reads before it counts as gone.
    pub grace: Duration,
    /// Time between two "Still creating..." events.
    pub progress_interval: Duration,
    /// Default timeouts when the configuration sets none.
    pub create_timeout: Duration,
    /// See `create_timeout`.
    pub update_timeout: Duration,
    /// See `create_timeout`.
    pub delete_timeout: Duration,
    /// Arguments still unknown in the plan are computed with this.
    pub resolver: Option<Box<Resolver>>,
    /// The outputs, computed from the final state before the last save (they need the
    /// configuration); runs only when the apply finished without failures.
    pub finish: Option<Box<Finisher>>,
    /// How steps share the machine; Terraform's way only for the benchmark's comparison.
    pub scheduling: Scheduling,
}

/// Computes the outputs from the final state, and which of them are sensitive (see
/// [`ApplyOptions::finish`]).
pub type Finisher =
    dyn Fn(&State) -> (BTreeMap<String, Value>, std::collections::BTreeSet<String>) + Send + Sync;

impl Default for ApplyOptions {
    fn default() -> ApplyOptions {
        ApplyOptions {
            parallelism: 10,
            poll_interval: Duration::from_secs(1),
            grace: Duration::from_secs(30),
            progress_interval: Duration::from_secs(10),
            create_timeout: Duration::from_secs(30 * 60),
            update_timeout: Duration::from_secs(10 * 60),
            delete_timeout: Duration::from_secs(10 * 60),
            resolver: None,
            finish: None,
            scheduling: Scheduling::Snapform,
        }
    }
}

/// How Ctrl-C reached the apply: first a graceful stop, then an immediate one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stop {
    /// Keep going.
    Run,
    /// Start nothing new; let in-flight calls finish; stop waiting for readiness.
    Graceful,
    /// Leave at once, after saving.
    Now,
}

/// What an apply did.
pub struct ApplyReport {
    /// The final state (also saved).
    pub state: State,
    /// The backend, given back: the run saved its steps there, and the caller folds them
    /// ([`snapform_state::Backend::fold`]) once the run is over. A backend that is not folded
    /// loses nothing: reading applies the steps and the next locked command folds them.
    pub backend: Box<dyn snapform_state::Backend + Send>,
    /// What was adopted, added, changed and destroyed.
    pub counts: Counts,
    /// Failed changes, with why.
    pub failures: Vec<(ResourceInstanceAddr, String)>,
    /// Changes not started because something they wait for failed.
    pub skipped: Vec<ResourceInstanceAddr>,
    /// Whether Ctrl-C stopped it, or a failed save (see `unsaved`).
    pub interrupted: bool,
    /// Why the state could not be saved, when a save failed: the run then started nothing
    /// new, `state` holds every step (the last ones unsaved, with the serial of the last
    /// write), and the caller must keep it somewhere else.
    pub unsaved: Option<String>,
}

impl std::fmt::Debug for ApplyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplyReport")
            .field("state", &self.state)
            .field("backend", &self.backend.describe())
            .field("counts", &self.counts)
            .field("failures", &self.failures)
            .field("skipped", &self.skipped)
            .field("interrupted", &self.interrupted)
            .field("unsaved", &self.unsaved)
            .finish()
    }
}

/// How the walk over the plan went.
struct Walk {
    counts: Counts,
    failures: Vec<(ResourceInstanceAddr, String)>,
    skipped: Vec<ResourceInstanceAddr>,
    interrupted: bool,
}

/// Why a step did not complete.
#[derive(Clone, Debug)]
enum StepError {
    Failed(String),
    Interrupted,
}

struct Engine {
    plan: Arc<Plan>,
    /// Each change's planned attributes, taken out of the plan: its step takes them as it
    /// starts, so at a fleet's size the plan shrinks as the state grows instead of both
    /// being whole at the end.
    planned_after: Vec<std::sync::Mutex<Option<Attributes>>>,
    providers: Providers,
    options: Arc<ApplyOptions>,
    hook: Arc<dyn Hook>,
    saver: Saver,
    /// Held by a step for its whole run (see [`Scheduling::step_slots`]).
    steps: Semaphore,
    /// Held by a step while it sends its first call, one set per provider, type and kind of
    /// call (see [`Scheduling::start_slots`]): the clouds limit each API action on its own,
    /// so creates waiting for the create action's rate limit never hold up the deletes of
    /// the expired generations they replace, nor another type's steps.
    starts: std::sync::Mutex<HashMap<(ProviderAddr, String, Phase), Arc<Semaphore>>>,
    pollers: std::sync::Mutex<HashMap<(ProviderAddr, String, String), Arc<Poller>>>,
    poll_tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// The caller's stop (Ctrl-C), raised to a graceful stop when a save fails.
    stop: watch::Receiver<Stop>,
    halt: watch::Sender<Stop>,
}

/// Applies `plan`, starting from its refreshed state and saving through `backend`, whose
/// current serial is `current_serial`.
pub async fn apply(
    plan: Arc<Plan>,
    providers: Providers,
    options: Arc<ApplyOptions>,
    hook: Arc<dyn Hook>,
    backend: Box<dyn snapform_state::Backend + Send>,
    current_serial: u64,
    stop: watch::Receiver<Stop>,
) -> Result<ApplyReport, snapform_state::Error> {
    let mut plan = plan;
    if let Some(owned) = Arc::get_mut(&mut plan) {
        owned.own_active_objects_after();
    }
    let mut start = match Arc::get_mut(&mut plan) {
        // Its only holder: the refreshed state is taken out, not copied (a fleet's state is
        // the largest thing an apply holds).
        Some(owned) => std::mem::take(&mut owned.prior_state),
        None => plan.prior_state.clone(),
    };
    plan.record_moves(&mut start);
    plan.record_sensitivity(&mut start);
    start.serial = current_serial;
    let planned_after = match Arc::get_mut(&mut plan) {
        // What the steps do not read goes too: the objects before the changes, for people.
        Some(owned) => owned
            .changes
            .iter_mut()
            .map(|change| {
                change.before = None;
                std::sync::Mutex::new(change.after.take())
            })
            .collect(),
        // Only the changes it runs: the others may keep their objects in the prior state.
        None => plan
            .changes
            .iter()
            .map(|change| {
                let after = change
                    .is_active()
                    .then(|| plan.object_after(change).map(std::borrow::Cow::into_owned))
                    .flatten();
                std::sync::Mutex::new(after)
            })
            .collect(),
    };
    // The engine watches its own channel: the caller's stops are passed on, and a failed
    // save raises it too.
    let (halt, halted) = watch::channel(*stop.borrow());
    let forward = {
        let halt = halt.clone();
        let mut stop = stop;
        tokio::spawn(async move {
            while stop.changed().await.is_ok() {
                let wanted = *stop.borrow();
                halt.send_if_modified(|current| {
                    let raise = wanted > *current;
                    if raise {
                        *current = wanted;
                    }
                    raise
                });
            }
        })
    };
    let steps = options.scheduling.step_slots(options.parallelism);
    let engine = Arc::new(Engine {
        plan,
        planned_after,
        providers,
        options,
        hook,
        saver: Saver::new(start, backend),
        steps,
        starts: std::sync::Mutex::new(HashMap::new()),
        pollers: std::sync::Mutex::new(HashMap::new()),
        poll_tasks: std::sync::Mutex::new(Vec::new()),
        stop: halted,
        halt,
    });
    // The refreshed state (adoptions, drift, what is sensitive) is recorded before anything
    // changes.
    if let Err(error) = engine.saver.save(|_| {}).await {
        forward.abort();
        return Err(error);
    }
    let walk = engine.run().await;
    forward.abort();
    for task in engine.poll_tasks.lock().expect("never poisoned").drain(..) {
        task.abort();
    }
    if walk.failures.is_empty()
        && !walk.interrupted
        && let Some(finish) = &engine.options.finish
    {
        engine.saver.change(|state| {
            let (outputs, sensitive) = finish(state);
            state.set_outputs(outputs, sensitive);
        });
    }
    // A failure here is kept in the report with the rest: the state in memory has it all.
    let _ = engine.saver.flush_all().await;
    let unsaved = engine.saver.failure().map(str::to_owned);
    Ok(ApplyReport {
        state: engine.saver.take_state(),
        backend: engine.saver.take_backend().await,
        counts: walk.counts,
        failures: walk.failures,
        skipped: walk.skipped,
        interrupted: walk.interrupted || unsaved.is_some(),
        unsaved,
    })
}

impl Engine {
    fn stopping(&self) -> Stop {
        *self.stop.borrow()
    }

    async fn run(self: &Arc<Self>) -> Walk {
        let plan = self.plan.clone();
        let changes = &plan.changes;
        let active: Vec<bool> = changes.iter().map(ResourceChange::is_active).collect();
        let mut n_waiting: Vec<usize> = vec![0; changes.len()];
        let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
        for (idx, change) in changes.iter().enumerate() {
            if !active[idx] {
                continue;
            }
            for (target, _) in &change.waits_for {
                if active[*target] {
                    n_waiting[idx] += 1;
                    dependants[*target].push(idx);
                }
            }
        }
        let mut ready: Vec<usize> = (0..changes.len())
            .filter(|idx| active[*idx] && n_waiting[*idx] == 0)
            .collect();
        let mut done = vec![false; changes.len()];
        let mut report = Walk {
            counts: Counts::default(),
            failures: Vec::new(),
            skipped: Vec::new(),
            interrupted: false,
        };
        let mut running = JoinSet::new();
        let mut stop = self.stop.clone();
        loop {
            if self.stopping() == Stop::Run {
                for batch in batches(
                    changes,
                    std::mem::take(&mut ready),
                    self.options.scheduling.batches_deletes(),
                ) {
                    let engine = self.clone();
                    running.spawn(async move { engine.run_batch(batch).await });
                }
            }
            if running.is_empty() {
                break;
            }
            let finished = tokio::select! {
                finished = running.join_next() => finished,
                _ = stop.changed() => {
                    if *stop.borrow() == Stop::Now {
                        running.abort_all();
                        report.interrupted = true;
                        break;
                    }
                    continue;
                }
            };
            let Some(Ok(outcomes)) = finished else {
                continue;
            };
            // Steps that finished at the same moment (one poll saw several resources ready)
            // are taken together, so the deletes they free go in one batch.
            let mut finished_now = vec![outcomes];
            while let Some(more) = running.try_join_next() {
                if let Ok(outcomes) = more {
                    finished_now.push(outcomes);
                }
            }
            for (idx, outcome) in finished_now.into_iter().flatten() {
                done[idx] = true;
                let change = &changes[idx];
                match outcome {
                    Ok(()) => {
                        report.counts.count(change);
                        for &dependant in &dependants[idx] {
                            n_waiting[dependant] -= 1;
                            if n_waiting[dependant] == 0 {
                                ready.push(dependant);
                            }
                        }
                    }
                    Err(StepError::Interrupted) => report.interrupted = true,
                    Err(StepError::Failed(error)) => {
                        report.failures.push((change.addr.clone(), error));
                        // A failure stops its dependants only.
                        let mut stack = dependants[idx].clone();
                        while let Some(dependant) = stack.pop() {
                            if !done[dependant] {
                                done[dependant] = true;
                                report.skipped.push(changes[dependant].addr.clone());
                                stack.extend(dependants[dependant].iter().copied());
                            }
                        }
                    }
                }
            }
        }
        if self.stopping() != Stop::Run {
            report.interrupted = true;
        }
        report.skipped.sort();
        report.skipped.dedup();
        report
    }

    /// The poller of a resource: shared by its type (see [`Scheduling::poller_key`]).
    fn poller(
        &self,
        provider_addr: &ProviderAddr,
        type_name: &str,
        id: &str,
    ) -> Option<Arc<Poller>> {
        let provider = self.providers.get(provider_addr)?.clone();
        let mut pollers = self.pollers.lock().expect("never poisoned");
        let key = (
            provider_addr.clone(),
            type_name.to_owned(),
            self.options.scheduling.poller_key(id),
        );
        if let Some(poller) = pollers.get(&key) {
            return Some(poller.clone());
        }
        let (poller, task) =
            Poller::start(provider, type_name.to_owned(), self.options.poll_interval);
        self.poll_tasks.lock().expect("never poisoned").push(task);
        pollers.insert(key, poller.clone());
        Some(poller)
    }

    fn provider(&self, change: &ResourceChange) -> Result<Arc<dyn Provider>, StepError> {
        self.providers
            .get(&change.provider)
            .cloned()
            .ok_or_else(|| {
                StepError::Failed(format!("provider {} is not configured", change.provider))
            })
    }

    async fn save(&self, edit: impl FnOnce(&mut TrackedState)) -> Result<(), StepError> {
        self.saver.save(edit).await.map_err(|error| {
            // Nothing new starts once the state cannot be saved; what runs finishes, and
            // its steps stay in memory for the caller to keep.
            self.halt.send_if_modified(|current| {
                let raise = *current == Stop::Run;
                if raise {
                    *current = Stop::Graceful;
                }
                raise
            });
            StepError::Failed(format!("cannot save the state: {error}"))
        })
    }

    /// One batch of ready changes: deletes of one type together, everything else alone.
    async fn run_batch(&self, batch: Vec<usize>) -> Vec<(usize, Result<(), StepError>)> {
        let n_slots = u32::try_from(batch.len()).unwrap_or(u32::MAX);
        let _step_slots = self
            .steps
            .acquire_many(n_slots.min(self.options.parallelism.max(1) as u32))
            .await
            .expect("the semaphore is never closed");
        // A stop that came while the batch waited for its slots: it never starts.
        if self.stopping() != Stop::Run {
            return batch
                .into_iter()
                .map(|idx| (idx, Err(StepError::Interrupted)))
                .collect();
        }
        let changes = &self.plan.changes;
        // Every step but a create is boxed, and a create boxes itself once its turn comes:
        // a task of a fleet's apply is spawned as soon as it is ready to run, and waits for
        // its turn holding only this small future.
        if batch.len() > 1 || changes[batch[0]].action == Action::Delete {
            return Box::pin(self.delete_batch(&batch)).await;
        }
        let idx = batch[0];
        let change = &changes[idx];
        // Each half of a replacement reports its own failure, with its own phase.
        let outcome = match change.action {
            Action::Create => self.reported(change, Phase::Create, self.create(idx).await),
            Action::Update => {
                let updated = Box::pin(self.update(idx)).await;
                self.reported(change, Phase::Update, updated)
            }
            Action::DeleteThenCreate => match Box::pin(self.delete_batch(&[idx])).await.pop() {
                Some((_, Ok(()))) => self.reported(change, Phase::Create, self.create(idx).await),
                Some((_, Err(error))) => Err(error),
                None => unreachable!("a batch of one delete has one outcome"),
            },
            Action::CreateThenDelete => Box::pin(self.create_then_delete(idx)).await,
            Action::CreateThenForget => match Box::pin(self.forget(change)).await {
                Ok(()) => self.reported(change, Phase::Create, self.create(idx).await),
                Err(error) => Err(error),
            },
            Action::Forget => {
                let forgotten = Box::pin(self.forget(change)).await;
                self.reported(change, Phase::Forget, forgotten)
            }
            Action::NoOp if change.moved_from.is_some() && !change.awaits_readiness => {
                // Recorded under its new address before any step ran.
                if let Some(from) = &change.moved_from {
                    self.hook.event(Event::Note {
                        addr: change.addr.clone(),
                        message: format!("moved from {from}"),
                    });
                }
                Ok(())
            }
            Action::NoOp => {
                let adopted = Box::pin(self.adopt(change)).await;
                self.reported(change, Phase::Adopt, adopted)
            }
            Action::Delete => unreachable!("deletes run in batches"),
        };
        vec![(idx, outcome)]
    }

    /// Tells the hook when a step of `phase` failed; passes the outcome on.
    fn reported(
        &self,
        change: &ResourceChange,
        phase: Phase,
        outcome: Result<(), StepError>,
    ) -> Result<(), StepError> {
        if let Err(StepError::Failed(error)) = &outcome {
            self.hook.event(Event::Failed {
                addr: change.addr.clone(),
                phase,
                error: error.clone(),
            });
        }
        outcome
    }
}

/// Ready changes as batches: plain deletes grouped by (provider, type), up to 100 each;
/// everything else alone.
fn batches(changes: &[ResourceChange], ready: Vec<usize>, batch_deletes: bool) -> Vec<Vec<usize>> {
    let mut res = Vec::new();
    let mut deletes: BTreeMap<(ProviderAddr, String), Vec<usize>> = BTreeMap::new();
    for idx in ready {
        let change = &changes[idx];
        if change.action == Action::Delete {
            deletes
                .entry((
                    change.provider.clone(),
                    change.addr.resource.type_name.clone(),
                ))
                .or_default()
                .push(idx);
        } else {
            res.push(vec![idx]);
        }
    }
    for group in deletes.into_values() {
        let size = if batch_deletes { 100 } else { 1 };
        res.extend(group.chunks(size).map(<[usize]>::to_vec));
    }
    res
}
