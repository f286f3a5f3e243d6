//! Series (DESIGN §13): each instance of a resource with `rotation` is a series of
//! generations, one per schedule tick. At the plan's `now`, the generation of the latest tick
//! is created when missing (missed ticks are not back-filled); generations beyond the newest
//! `keep`, or older than `max_age`, expire, each after its successor is ready; the newest
//! ready generation is never expired without one. Past generations are history: a change of
//! the configuration applies to future generations only.
//!
//! A plain object of a resource that gains `rotation` is taken into its series as the
//! generation of the tick before its creation; a resource that loses `rotation` keeps its
//! newest generation as its object and expires the others.

use std::collections::BTreeMap;

use jiff::Timestamp;
use snapform_config::rotation::Rotation;
use snapform_config::{Resource, ResourceInstance};
use snapform_core::{Diagnostic, ResourceInstanceAddr, Value};
use snapform_state::{RecordStatus, ResourceRecord};

use crate::diff::Planner;
use crate::model::{Action, ActionReason, ResourceChange};

/// One generation of a series as the plan sees it: its tick and the change planned for it.
struct Generation {
    tick: Timestamp,
    /// The change's index in the planner's changes.
    change: usize,
    /// Whether it is ready now.
    ready: bool,
}

impl Planner<'_, '_> {
    /// Plans the series of every instance of `resource`, which has `rotation`.
    pub(crate) fn plan_series(
        &mut self,
        resource: &Resource,
        rotation: &Rotation,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let config = self.inputs.config;
        let now = self.inputs.now;
        let latest = rotation.latest_tick(now);
        let (instances, instance_diagnostics) =
            config.evaluate_resource_at(&resource.addr, &self.values, latest);
        diagnostics.extend(instance_diagnostics);
        let state = self.state;
        let mut by_instance: BTreeMap<ResourceInstanceAddr, Vec<&ResourceRecord>> = BTreeMap::new();
        for record in state.resources.instances_of(&resource.addr) {
            by_instance
                .entry(record.addr.instance())
                .or_default()
                .push(record);
        }
        for instance in &instances {
            let records = by_instance.remove(&instance.addr).unwrap_or_default();
            self.plan_instance_series(resource, rotation, instance, &records, latest);
        }
        // Instances the configuration no longer has: every generation goes.
        for records in by_instance.into_values() {
            for record in records {
                let reason = crate::diff::missing_instance_reason(resource, &record.addr);
                self.push_delete(record, Some(reason));
            }
        }
    }

    fn plan_instance_series(
        &mut self,
        resource: &Resource,
        rotation: &Rotation,
        instance: &ResourceInstance,
        records: &[&ResourceRecord],
        latest: Option<Timestamp>,
    ) {
        let now = self.inputs.now;
        let mut generations: Vec<Generation> = Vec::new();
        let mut taken: Vec<Timestamp> = records.iter().filter_map(|r| r.addr.generation).collect();
        for record in records {
            match record.addr.generation {
                None => {
                    // Rotation was added: the object becomes the generation of the tick before
                    // its creation.
                    let created = record
                        .attributes
                        .get(resource.schema.created_attribute)
                        .and_then(Value::as_str)
                        .and_then(|text| text.parse::<Timestamp>().ok())
                        .unwrap_or(now);
                    let mut tick = rotation.tick_at_or_before(created).unwrap_or(created);
                    while taken.contains(&tick) {
                        let earlier = tick - jiff::SignedDuration::from_secs(1);
                        tick = rotation.tick_at_or_before(earlier).unwrap_or(earlier);
                    }
                    taken.push(tick);
                    let mut change = self.unchanged_generation(resource, record);
                    change.addr = record.addr.generation(tick);
                    change.moved_from = Some(Box::new(record.addr.clone()));
                    generations.push(Generation {
                        tick,
                        change: self.changes.len(),
                        ready: record.status == RecordStatus::Ready,
                    });
                    self.changes.push(change);
                }
                Some(tick) if record.status == RecordStatus::Tainted => {
                    if Some(tick) == latest {
                        // The due generation failed: make it again, then delete the failure.
                        let change = self.change_for(resource, instance, Some(record), false);
                        generations.push(Generation {
                            tick,
                            change: self.changes.len(),
                            ready: false,
                        });
                        self.changes.push(ResourceChange {
                            addr: record.addr.clone(),
                            ..change
                        });
                    } else {
                        self.push_delete(record, Some(ActionReason::DeleteBecauseFailedGeneration));
                    }
                }
                Some(tick) => {
                    let change = self.unchanged_generation(resource, record);
                    generations.push(Generation {
                        tick,
                        change: self.changes.len(),
                        ready: record.status == RecordStatus::Ready,
                    });
                    self.changes.push(change);
                }
            }
        }
        if let Some(latest) = latest
            && !generations
                .iter()
                .any(|generation| generation.tick == latest)
        {
            let mut change = self.change_for(resource, instance, None, false);
            change.addr = instance.addr.generation(latest);
            generations.push(Generation {
                tick: latest,
                change: self.changes.len(),
                ready: false,
            });
            self.changes.push(change);
        }

        generations.sort_by_key(|generation| std::cmp::Reverse(generation.tick));
        // What the expiries wait for: the newest generation, when it is not ready yet.
        let successor = generations
            .first()
            .filter(|newest| !newest.ready)
            .map(|newest| self.changes[newest.change].addr.clone());
        let newest_ready = generations.iter().position(|generation| generation.ready);
        let keep = rotation.keep as usize;
        for (position, generation) in generations.iter().enumerate() {
            let change = &self.changes[generation.change];
            if change.action != Action::NoOp {
                continue;
            }
            let age = now.duration_since(generation.tick);
            let too_old = rotation.max_age.is_some_and(|max_age| {
                age > jiff::SignedDuration::try_from(max_age).unwrap_or_default()
            });
            let reason = if position >= keep {
                (
                    ActionReason::DeleteBecauseBeyondKeep,
                    format!("beyond keep = {keep}"),
                )
            } else if too_old {
                (
                    ActionReason::DeleteBecauseOlderThanMaxAge,
                    format!(
                        "older than max_age = {}",
                        format_age(rotation.max_age.unwrap_or_default())
                    ),
                )
            } else {
                continue;
            };
            // The newest ready generation stays unless a newer one will be ready first.
            if successor.is_none() && Some(position) == newest_ready {
                continue;
            }
            let change = &mut self.changes[generation.change];
            change.action = Action::Delete;
            change.after = None;
            change.after_sensitive.clear();
            change.reason = Some(reason.0);
            change.reason_detail = Some(reason.1);
            change.expires_after = successor.clone().map(Box::new);
        }
        // References to the instance read its newest generation.
        if let Some(newest) = generations.first() {
            let change = &self.changes[newest.change];
            if let Some(after) = &change.after
                && self.read_by_resources.contains(&instance.addr.resource)
            {
                self.values.insert(
                    instance.addr.clone(),
                    Some(change.schema),
                    after,
                    &change.after_sensitive,
                );
            }
        }
    }

    /// A generation left as it is: history is never updated or replaced because the
    /// configuration changed.
    fn unchanged_generation(&self, resource: &Resource, record: &ResourceRecord) -> ResourceChange {
        let mut change = self.change_for_record(resource, record);
        change.action = Action::NoOp;
        change.awaits_readiness = record.status == RecordStatus::Creating;
        change
    }

    /// When rotation is gone from `resource`: the newest generation of `instance`, which stays
    /// as its object, and the others, which expire. `None` when it has no generation.
    pub(crate) fn end_series(
        &mut self,
        resource: &Resource,
        instance: &ResourceInstance,
    ) -> Option<ResourceRecord> {
        let state = self.state;
        let mut generations: Vec<&ResourceRecord> = state
            .resources
            .instances_of(&resource.addr)
            .filter(|record| {
                record.addr.generation.is_some() && record.addr.instance() == instance.addr
            })
            .collect();
        // Newest first, the failed ones last.
        generations.sort_by_key(|record| {
            (
                record.status == RecordStatus::Tainted,
                std::cmp::Reverse(record.addr.generation),
            )
        });
        let (kept, expired) = generations.split_first()?;
        for record in expired {
            self.push_delete(record, Some(ActionReason::DeleteBecauseRotationRemoved));
            if let Some(change) = self.changes.last_mut() {
                change.reason_detail = Some(format!("only {} is kept", kept.addr));
            }
        }
        Some((*kept).clone())
    }
}

/// A max_age as written: whole days when it is some, else hours, else seconds.
fn format_age(age: std::time::Duration) -> String {
    let secs = age.as_secs();
    if secs.is_multiple_of(86_400) && secs > 0 {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3600) && secs > 0 {
        format!("{}h", secs / 3600)
    } else {
        format!("{secs}s")
    }
}
