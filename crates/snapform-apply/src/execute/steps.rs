//! The steps of an apply, one per kind of change: create (intent first, and a lookup before
//! any retry of a create whose outcome is unknown), update, delete in batches, replace in
//! either order, adopt, and waiting until the cloud says a resource is ready or gone.

use std::collections::BTreeMap;
use std::time::Duration;

use snapform_planner::ResourceChange;
use snapform_planner::adoption::{self, Adoption};
use snapform_provider::{Attributes, CreateError, Readiness};
use snapform_state::{Intent, Operation, RecordStatus, ResourceRecord};
use tokio::time::Instant;

use super::{Engine, Event, Phase, StepError, Stop};
use crate::poller::Observation;

impl Engine {
    /// Waits for a turn to send a step's first call of kind `call`, bounded per provider, type
    /// and kind by the parallelism (see [`crate::Scheduling::start_slots`]); a stop that came while it waited
    /// means the step never starts.
    pub(super) async fn start(
        &self,
        change: &ResourceChange,
        call: Phase,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, StepError> {
        let turns = self
            .starts
            .lock()
            .expect("never poisoned")
            .entry((
                change.provider.clone(),
                change.addr.resource.type_name.clone(),
                call,
            ))
            .or_insert_with(|| {
                std::sync::Arc::new(
                    self.options
                        .scheduling
                        .start_slots(self.options.parallelism),
                )
            })
            .clone();
        let permit = turns
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        if self.stopping() != Stop::Run {
            return Err(StepError::Interrupted);
        }
        Ok(permit)
    }

    /// The arguments to send: the plan's, with values that were unknown at plan time computed
    /// now that what they reference exists.
    /// They are taken from the plan, not copied: a change's step runs once per apply.
    pub(super) fn arguments(&self, idx: usize) -> Result<Attributes, StepError> {
        let change = &self.plan.changes[idx];
        let schema = change.schema;
        let after = self.planned_after[idx]
            .lock()
            .expect("never poisoned")
            .take()
            .unwrap_or_default();
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

    pub(super) async fn create(&self, idx: usize) -> Result<(), StepError> {
        let change = &self.plan.changes[idx];
        // Held until the cloud has answered the create (not while it becomes ready).
        let start = self.start(change, Phase::Create).await?;
        // The rest is boxed, and the arguments are worked out only now: a fleet's creates all
        // wait for their turn at once, and each waiting task then holds a few hundred bytes,
        // not the whole create (over 3 KB) and a copy of its arguments.
        Box::pin(self.create_in_turn(idx, start)).await
    }

    /// [`Self::create`], once its turn came.
    async fn create_in_turn(
        &self,
        idx: usize,
        start: tokio::sync::OwnedSemaphorePermit,
    ) -> Result<(), StepError> {
        let change = &self.plan.changes[idx];
        let provider = self.provider(change)?;
        let type_name = &change.addr.resource.type_name;
        let arguments = self.arguments(idx)?;
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
        drop(start);
        // What the wait for readiness does not need is let go: a fleet's creates wait together.
        drop(intent);
        let record = ResourceRecord {
            addr: change.addr.clone(),
            provider: change.provider.clone(),
            region: change.region.clone(),
            id: id.clone(),
            attributes: arguments,
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
    pub(super) async fn wait_ready(
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
                observation = observations.next() => match observation {
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

    pub(super) async fn update(&self, idx: usize) -> Result<(), StepError> {
        let change = &self.plan.changes[idx];
        let provider = self.provider(change)?;
        let id = change
            .id
            .clone()
            .ok_or_else(|| StepError::Failed("no ID recorded to update".to_owned()))?;
        let arguments = self.arguments(idx)?;
        let _start = self.start(change, Phase::Update).await?;
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
    pub(super) async fn adopt(&self, change: &ResourceChange) -> Result<(), StepError> {
        let started = Instant::now();
        let phase = if change.importing.is_some() {
            Phase::Import
        } else if change.adopting {
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

    /// Removes the record at the change's address from the state and leaves its object in
    /// the cloud (`destroy = false`); a replacement forgets the old object before creating the
    /// new one, so a crash in between leaves the old snapshot kept and unmanaged, as planned,
    /// and never two records at one address.
    pub(super) async fn forget(&self, change: &ResourceChange) -> Result<(), StepError> {
        let started = Instant::now();
        let Some(id) = change.id.clone() else {
            return Ok(());
        };
        self.hook.event(Event::Started {
            addr: change.addr.clone(),
            phase: Phase::Forget,
            id: Some(id.clone()),
        });
        self.remove_record(change, &id).await?;
        self.hook.event(Event::Completed {
            addr: change.addr.clone(),
            phase: Phase::Forget,
            elapsed: started.elapsed(),
            id: Some(id),
        });
        Ok(())
    }

    pub(super) async fn create_then_delete(&self, idx: usize) -> Result<(), StepError> {
        let change = &self.plan.changes[idx];
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
        self.reported(change, Phase::Create, self.create(idx).await)?;
        let Some(old) = old else { return Ok(()) };
        let mut deposed_change = change.clone();
        deposed_change.id = Some(old.id.clone());
        deposed_change.deposed = true;
        let mut deleted = self.delete_changes(&[&deposed_change]).await;
        deleted.pop().expect("one outcome per change")
    }

    /// Deletes changes of one type together (the providers batch them as their APIs allow).
    pub(super) async fn delete_batch(
        &self,
        batch: &[usize],
    ) -> Vec<(usize, Result<(), StepError>)> {
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
    pub(super) async fn delete_changes(
        &self,
        changes: &[&ResourceChange],
    ) -> Vec<Result<(), StepError>> {
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
        // Held until the cloud has answered the delete, not while the objects go away.
        let start = match self.start(first, Phase::Delete).await {
            Ok(permit) => permit,
            Err(error) => return changes.iter().map(|_| Err(error.clone())).collect(),
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
        drop(start);
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
    pub(super) fn timeout(&self, change: &ResourceChange, phase: Phase) -> Duration {
        let (configured, default) = match phase {
            Phase::Create | Phase::Adopt | Phase::Import | Phase::Forget => {
                (change.timeouts.create, self.options.create_timeout)
            }
            Phase::Update => (change.timeouts.update, self.options.update_timeout),
            Phase::Delete => (change.timeouts.delete, self.options.delete_timeout),
        };
        configured.map_or(default, Duration::from_secs)
    }

    pub(super) async fn wait_gone(
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
                observation = observations.next() => match observation {
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
        self.remove_record(change, id).await?;
        self.hook.event(Event::Completed {
            addr: change.addr.clone(),
            phase: Phase::Delete,
            elapsed: started.elapsed(),
            id: Some(id.to_owned()),
        });
        Ok(())
    }

    /// Removes the change's record (its deposed one, for a deposed change) from the state,
    /// if it still records object `id`, and saves.
    async fn remove_record(&self, change: &ResourceChange, id: &str) -> Result<(), StepError> {
        let addr = &change.addr;
        self.save(|state| {
            if change.deposed {
                state.remove_deposed(addr, id);
            } else if state.resource(addr).is_some_and(|record| record.id == id) {
                state.remove(addr);
            }
        })
        .await
    }
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
