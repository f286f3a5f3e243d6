//! Executing a plan: every ready change runs at once, bounded by the parallelism, the
//! providers' per-action token buckets and the plan's edges (which already order changes that
//! touch the same disk). The state is saved after every step, an intent before every create,
//! and a create whose outcome is unknown is looked up before it is tried again.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use snapform_core::{ProviderAddr, ResourceInstanceAddr, Value};
use snapform_planner::adoption::{self, Adoption};
use snapform_planner::{Action, Counts, Plan, ResourceChange};
use snapform_provider::{Attributes, CreateError, Provider, Readiness};
use snapform_state::{Intent, Operation, RecordStatus, ResourceRecord, State, TrackedState};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::Providers;
use crate::poller::{Observation, Poller};
use crate::saver::Saver;

/// What a step is doing, for progress lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Creating.
    Create,
    /// Changing in place.
    Update,
    /// Deleting.
    Delete,
    /// Taking an existing resource into the state.
    Adopt,
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
    /// With `terraform_way`, the most steps at once. Otherwise `-parallelism` bounds API calls
    /// in flight through the providers' shared `CallSlots`, and waiting for readiness or for a
    /// rate-limit token takes no slot.
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
    /// Terraform's way, for comparison in the benchmark: `parallelism` counts whole steps,
    /// waiting for readiness included, and each waiting resource polls with its own Describe.
    pub terraform_way: bool,
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
            terraform_way: false,
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
    providers: Providers,
    options: Arc<ApplyOptions>,
    hook: Arc<dyn Hook>,
    saver: Saver,
    /// With `terraform_way`, a slot held for a whole step; otherwise the providers bound the
    /// calls in flight themselves (their `CallSlots`), after each call's rate-limit token.
    steps: Semaphore,
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
    let mut start = plan.prior_state.clone();
    plan.record_moves(&mut start);
    plan.record_sensitivity(&mut start);
    start.serial = current_serial;
    let parallelism = options.parallelism.max(1);
    let terraform_way = options.terraform_way;
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
    let engine = Arc::new(Engine {
        plan,
        providers,
        options,
        hook,
        saver: Saver::new(start, backend),
        steps: Semaphore::new(if terraform_way {
            parallelism
        } else {
            Semaphore::MAX_PERMITS
        }),
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
                    !self.options.terraform_way,
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
            for (idx, outcome) in outcomes {
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

    /// The shared poller of a type, or with `terraform_way` one poller per resource.
    fn poller(
        &self,
        provider_addr: &ProviderAddr,
        type_name: &str,
        id: &str,
    ) -> Option<Arc<Poller>> {
        let provider = self.providers.get(provider_addr)?.clone();
        let mut pollers = self.pollers.lock().expect("never poisoned");
        let per_resource = if self.options.terraform_way {
            id.to_owned()
        } else {
            String::new()
        };
        let key = (provider_addr.clone(), type_name.to_owned(), per_resource);
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
        let changes = &self.plan.changes;
        if batch.len() > 1 || changes[batch[0]].action == Action::Delete {
            return self.delete_batch(&batch).await;
        }
        let idx = batch[0];
        let change = &changes[idx];
        // Each half of a replacement reports its own failure, with its own phase.
        let outcome = match change.action {
            Action::Create => self.reported(change, Phase::Create, self.create(change).await),
            Action::Update => self.reported(change, Phase::Update, self.update(change).await),
            Action::DeleteThenCreate => match self.delete_batch(&[idx]).await.pop() {
                Some((_, Ok(()))) => {
                    self.reported(change, Phase::Create, self.create(change).await)
                }
                Some((_, Err(error))) => Err(error),
                None => unreachable!("a batch of one delete has one outcome"),
            },
            Action::CreateThenDelete => self.create_then_delete(change).await,
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
            Action::NoOp => self.reported(change, Phase::Adopt, self.adopt(change).await),
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

    /// The arguments to send: the plan's, with values that were unknown at plan time computed
    /// now that what they reference exists.
    fn arguments(&self, change: &ResourceChange) -> Result<Attributes, StepError> {
        let schema = change.schema;
        let after = change.after.clone().unwrap_or_default();
        let mut arguments: Attributes = after
            .into_iter()
            .filter(|(name, _)| schema.argument(name).is_some())
            .collect();
        if arguments.values().any(|value| !value.is_known()) {
            let resolved = self
                .options
                .resolver
                .as_ref()
                .and_then(|resolve| self.saver.read(|state| resolve(&change.addr, state)))
                .ok_or_else(|| {
                    StepError::Failed(
                        "some arguments are still unknown and cannot be computed".to_owned(),
                    )
                })?;
            arguments = resolved
                .into_iter()
                .filter(|(name, _)| schema.argument(name).is_some())
                .collect();
            if let Some((name, _)) = arguments.iter().find(|(_, value)| !value.is_known()) {
                return Err(StepError::Failed(format!(
                    "`{name}` is still unknown after its dependencies were applied"
                )));
            }
        }
        Ok(arguments)
    }

    async fn create(&self, change: &ResourceChange) -> Result<(), StepError> {
        let provider = self.provider(change)?;
        let type_name = &change.addr.resource.type_name;
        let arguments = self.arguments(change)?;
        let started = Instant::now();
        self.hook.event(Event::Started {
            addr: change.addr.clone(),
            phase: Phase::Create,
            id: None,
        });
        let intent = Intent {
            id: Intent::new_id(),
            addr: change.addr.clone(),
            provider: change.provider.clone(),
            region: change.region.clone(),
            operation: Operation::Create,
            arguments: arguments.clone(),
            started_at: now_rfc3339(),
            sensitive: change.after_sensitive.clone(),
        };
        // The intent is durable before the request leaves: whatever happens next, the next
        // run looks for the resource before creating it again.
        self.save(|state| state.add_intent(intent.clone())).await?;
        let mut attempts = 0;
        let id = loop {
            attempts += 1;
            let result = tokio::time::timeout(
                self.timeout(change, Phase::Create),
                provider.create(type_name, &arguments, &intent.id),
            )
            .await;
            let Ok(result) = result else {
                // The intent stays: the next run looks for what the call may have made.
                return Err(StepError::Failed(format!(
                    "timed out after {}s waiting for the cloud to accept the create",
                    self.timeout(change, Phase::Create).as_secs()
                )));
            };
            match result {
                Ok(id) => break id,
                Err(CreateError::Rejected(error)) => {
                    self.save(|state| {
                        state.remove_intent(&change.addr);
                    })
                    .await?;
                    return Err(StepError::Failed(error.to_string()));
                }
                Err(CreateError::OutcomeUnknown(error)) => {
                    self.hook.event(Event::Note {
                        addr: change.addr.clone(),
                        message: format!("the create's outcome is unknown ({error}); looking for what it made before trying again"),
                    });
                    let request = adoption::lookup_request(&intent);
                    let managed = self.saver.read(adoption::managed_ids);
                    let found = provider
                        .lookup_many(type_name, std::slice::from_ref(&request))
                        .await;
                    match found {
                        Ok(mut candidates) => match adoption::decide(
                            change.schema,
                            &request,
                            candidates.pop().unwrap_or_default(),
                            &managed,
                        ) {
                            Adoption::Found(found) => break found.id,
                            Adoption::Nothing if attempts < 3 => continue,
                            Adoption::Nothing => {
                                self.save(|state| {
                                    state.remove_intent(&change.addr);
                                })
                                .await?;
                                return Err(StepError::Failed(format!(
                                    "creating failed three times with unknown outcomes, and nothing was made: {error}"
                                )));
                            }
                            // The intent stays: the next plan stops at it too until the user
                            // settles which object is its own.
                            Adoption::Ambiguous(candidates) => {
                                let blocked = snapform_planner::Blocked {
                                    addr: change.addr.clone(),
                                    candidates: candidates.into_iter().map(|c| c.id).collect(),
                                };
                                return Err(StepError::Failed(format!(
                                    "{}; {}",
                                    blocked.explanation(),
                                    blocked.settle()
                                )));
                            }
                        },
                        // The intent stays: the next run looks again.
                        Err(lookup_error) => {
                            return Err(StepError::Failed(format!(
                                "{error}; and looking for the resource failed: {lookup_error}"
                            )));
                        }
                    }
                }
            }
        };
        let record = ResourceRecord {
            addr: change.addr.clone(),
            provider: change.provider.clone(),
            region: change.region.clone(),
            id: id.clone(),
            attributes: arguments.clone(),
            dependencies: change.dependencies.clone(),
            status: RecordStatus::Creating,
            sensitive_attributes: change.after_sensitive.clone(),
        };
        self.save(|state| {
            state.remove_intent(&change.addr);
            state.upsert(record.clone());
        })
        .await?;
        let timeout = self.timeout(change, Phase::Create);
        self.wait_ready(change, &record, Phase::Create, started, timeout)
            .await
    }

    /// Polls until the resource is ready, then records it; a failed state or the timeout taints
    /// it, so the next plan replaces it.
    async fn wait_ready(
        &self,
        change: &ResourceChange,
        record: &ResourceRecord,
        phase: Phase,
        started: Instant,
        timeout: Duration,
    ) -> Result<(), StepError> {
        let Some(poller) = self.poller(
            &record.provider,
            &record.addr.resource.type_name,
            &record.id,
        ) else {
            return Err(StepError::Failed(format!(
                "provider {} is not configured",
                record.provider
            )));
        };
        let mut observations = poller.watch(&record.id, record.attributes.clone());
        let mut stop = self.stop.clone();
        let deadline = started + timeout;
        let mut next_progress = started + self.options.progress_interval;
        let mut last_percent = None;
        let outcome = loop {
            let tick = tokio::time::sleep_until(next_progress.min(deadline));
            tokio::select! {
                observation = observations.recv() => match observation {
                    Some(Observation::Found(state)) => match &state.readiness {
                        Readiness::Ready => break Ok(state),
                        Readiness::Failed { reason } => break Err(format!("the cloud reports it failed: {reason}")),
                        Readiness::Creating { percent } => last_percent = percent.or(last_percent),
                        Readiness::Deleting => {}
                    },
                    Some(Observation::Missing) if started.elapsed() > self.options.grace => {
                        break Err("it disappeared while being created".to_owned());
                    }
                    Some(Observation::Missing) => {}
                    Some(Observation::Failed(error)) => break Err(format!("reading it failed: {error}")),
                    None => break Err("stopped watching it".to_owned()),
                },
                _ = tick => {
                    if Instant::now() >= deadline {
                        break Err(format!("timed out after {}s waiting for it to be ready", timeout.as_secs()));
                    }
                    self.hook.event(Event::Progress { addr: change.addr.clone(), phase, elapsed: started.elapsed(), percent: last_percent });
                    next_progress += self.options.progress_interval;
                }
                _ = stop.changed() => {
                    if *stop.borrow() != Stop::Run {
                        poller.unwatch(&record.id);
                        // It stays recorded as being created; the next run waits for it.
                        return Err(StepError::Interrupted);
                    }
                }
            }
        };
        poller.unwatch(&record.id);
        match outcome {
            Ok(state) => {
                let mut ready = record.clone();
                ready.attributes.extend(state.attributes);
                ready.status = RecordStatus::Ready;
                self.save(|s| s.upsert(ready)).await?;
                self.hook.event(Event::Completed {
                    addr: change.addr.clone(),
                    phase,
                    elapsed: started.elapsed(),
                    id: Some(record.id.clone()),
                });
                Ok(())
            }
            Err(reason) => {
                let mut tainted = record.clone();
                tainted.status = RecordStatus::Tainted;
                self.save(|s| s.upsert(tainted)).await?;
                Err(StepError::Failed(format!(
                    "{} (id {}): {reason}; it is marked tainted and the next apply replaces it",
                    change.addr, record.id
                )))
            }
        }
    }

    async fn update(&self, change: &ResourceChange) -> Result<(), StepError> {
        let provider = self.provider(change)?;
        let id = change
            .id
            .clone()
            .ok_or_else(|| StepError::Failed("no ID recorded to update".to_owned()))?;
        let arguments = self.arguments(change)?;
        let started = Instant::now();
        self.hook.event(Event::Started {
            addr: change.addr.clone(),
            phase: Phase::Update,
            id: Some(id.clone()),
        });
        let timeout = self.timeout(change, Phase::Update);
        tokio::time::timeout(
            timeout,
            provider.update(&change.addr.resource.type_name, &id, &arguments),
        )
        .await
        .map_err(|_| {
            StepError::Failed(format!(
                "timed out after {}s waiting for the cloud to accept the update",
                timeout.as_secs()
            ))
        })?
        .map_err(|error| StepError::Failed(error.to_string()))?;
        let current = self
            .saver
            .read(|state| state.resource(&change.addr).cloned());
        let Some(mut record) = current else {
            return Err(StepError::Failed(
                "the record disappeared from the state".to_owned(),
            ));
        };
        record.attributes.extend(arguments);
        record.sensitive_attributes = change.after_sensitive.clone();
        let timeout = self.timeout(change, Phase::Update);
        self.wait_ready(change, &record, Phase::Update, started, timeout)
            .await
    }

    /// Takes a resource found after an interrupted create into the state, or a recorded one
    /// still being created, and waits until it is ready.
    async fn adopt(&self, change: &ResourceChange) -> Result<(), StepError> {
        let started = Instant::now();
        let phase = if change.adopting {
            Phase::Adopt
        } else {
            Phase::Create
        };
        self.hook.event(Event::Started {
            addr: change.addr.clone(),
            phase,
            id: change.id.clone(),
        });
        let Some(record) = self
            .saver
            .read(|state| state.resource(&change.addr).cloned())
        else {
            return Err(StepError::Failed(
                "the resource to wait for is not in the state".to_owned(),
            ));
        };
        // The refreshed state, adoption included, was saved before any step ran.
        if record.status == RecordStatus::Ready {
            self.hook.event(Event::Completed {
                addr: change.addr.clone(),
                phase,
                elapsed: started.elapsed(),
                id: Some(record.id.clone()),
            });
            return Ok(());
        }
        let timeout = self.timeout(change, phase);
        self.wait_ready(change, &record, phase, started, timeout)
            .await
    }

    async fn create_then_delete(&self, change: &ResourceChange) -> Result<(), StepError> {
        // The old object is kept as deposed until it is deleted, so a crash never orphans it.
        let old = self
            .saver
            .read(|state| state.resource(&change.addr).cloned());
        if let Some(old) = &old {
            let old = old.clone();
            self.save(|state| {
                state.remove(&old.addr);
                state.depose(old);
            })
            .await?;
        }
        self.reported(change, Phase::Create, self.create(change).await)?;
        let Some(old) = old else { return Ok(()) };
        let mut deposed_change = change.clone();
        deposed_change.id = Some(old.id.clone());
        deposed_change.deposed = true;
        let mut deleted = self.delete_changes(&[&deposed_change]).await;
        deleted.pop().expect("one outcome per change")
    }

    /// Deletes changes of one type together (the providers batch them as their APIs allow).
    async fn delete_batch(&self, batch: &[usize]) -> Vec<(usize, Result<(), StepError>)> {
        let changes: Vec<&ResourceChange> =
            batch.iter().map(|idx| &self.plan.changes[*idx]).collect();
        batch
            .iter()
            .copied()
            .zip(self.delete_changes(&changes).await)
            .collect()
    }

    /// Deletes resources of one type with one provider call and waits until each is gone;
    /// reports each failure. Returns one outcome per change, in order.
    async fn delete_changes(&self, changes: &[&ResourceChange]) -> Vec<Result<(), StepError>> {
        let first = changes[0];
        let provider = match self.provider(first) {
            Ok(provider) => provider,
            Err(error) => {
                return changes
                    .iter()
                    .map(|change| self.reported(change, Phase::Delete, Err(error.clone())))
                    .collect();
            }
        };
        let started = Instant::now();
        let ids: Vec<String> = changes
            .iter()
            .map(|change| change.id.clone().unwrap_or_default())
            .collect();
        for change in changes {
            self.hook.event(Event::Started {
                addr: change.addr.clone(),
                phase: Phase::Delete,
                id: change.id.clone(),
            });
        }
        // A cloud that keeps answering "busy" must not hold the delete past its timeout.
        let timeout = changes
            .iter()
            .map(|change| self.timeout(change, Phase::Delete))
            .max()
            .unwrap_or(self.options.delete_timeout);
        let outcomes: BTreeMap<String, Result<(), StepError>> = match tokio::time::timeout(
            timeout,
            provider.delete_many(&first.addr.resource.type_name, &ids),
        )
        .await
        {
            Ok(outcomes) => outcomes
                .into_iter()
                .map(|(id, outcome)| {
                    (
                        id,
                        outcome.map_err(|error| StepError::Failed(error.to_string())),
                    )
                })
                .collect(),
            Err(_) => {
                let error = StepError::Failed(format!(
                    "timed out after {}s waiting for the cloud to accept the delete",
                    timeout.as_secs()
                ));
                ids.iter()
                    .map(|id| (id.clone(), Err(error.clone())))
                    .collect()
            }
        };
        let waits = changes.iter().map(|change| {
            let id = change.id.clone().unwrap_or_default();
            let outcome = outcomes.get(&id).cloned().unwrap_or(Ok(()));
            async move {
                let result = match outcome {
                    Ok(()) => self.wait_gone(change, &id, started).await,
                    Err(error) => Err(error),
                };
                self.reported(change, Phase::Delete, result)
            }
        });
        join_all(waits).await
    }

    /// How long a step of `phase` may take: the resource's `timeouts` block, or the default.
    fn timeout(&self, change: &ResourceChange, phase: Phase) -> Duration {
        let (configured, default) = match phase {
            Phase::Create | Phase::Adopt => (change.timeouts.create, self.options.create_timeout),
            Phase::Update => (change.timeouts.update, self.options.update_timeout),
            Phase::Delete => (change.timeouts.delete, self.options.delete_timeout),
        };
        configured.map_or(default, Duration::from_secs)
    }

    async fn wait_gone(
        &self,
        change: &ResourceChange,
        id: &str,
        started: Instant,
    ) -> Result<(), StepError> {
        let Some(poller) = self.poller(&change.provider, &change.addr.resource.type_name, id)
        else {
            return Err(StepError::Failed(format!(
                "provider {} is not configured",
                change.provider
            )));
        };
        let timeout = self.timeout(change, Phase::Delete);
        let deadline = started + timeout;
        let mut observations = poller.watch(id, BTreeMap::new());
        let mut next_progress = started + self.options.progress_interval;
        let outcome = loop {
            let tick = tokio::time::sleep_until(next_progress.min(deadline));
            tokio::select! {
                observation = observations.recv() => match observation {
                    Some(Observation::Missing) => break Ok(()),
                    Some(Observation::Found(_)) => {}
                    Some(Observation::Failed(error)) => break Err(format!("reading it failed: {error}")),
                    None => break Err("stopped watching it".to_owned()),
                },
                _ = tick => {
                    if Instant::now() >= deadline {
                        break Err(format!("timed out after {}s waiting for it to be deleted", timeout.as_secs()));
                    }
                    self.hook.event(Event::Progress { addr: change.addr.clone(), phase: Phase::Delete, elapsed: started.elapsed(), percent: None });
                    next_progress += self.options.progress_interval;
                }
            }
        };
        poller.unwatch(id);
        outcome.map_err(StepError::Failed)?;
        let addr = change.addr.clone();
        let deposed = change.deposed;
        let id_owned = id.to_owned();
        self.save(|state| {
            if deposed {
                state.remove_deposed(&addr, &id_owned);
            } else if state
                .resource(&addr)
                .is_some_and(|record| record.id == id_owned)
            {
                state.remove(&addr);
            }
        })
        .await?;
        self.hook.event(Event::Completed {
            addr: change.addr.clone(),
            phase: Phase::Delete,
            elapsed: started.elapsed(),
            id: Some(id.to_owned()),
        });
        Ok(())
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

/// Runs futures concurrently on the current task.
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|output| output.expect("every future finished"))
        .collect()
}

fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    snapform_core::time::rfc3339_utc(secs)
}
