//! Waiting for resources to become ready or to disappear, with one batched read per
//! (provider configuration, resource type) per tick shared by every waiting resource (in
//! parts of [`READ_PART`]), never one call per resource.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use snapform_provider::{Attributes, Error, Provider, ReadRequest, ResourceState};

/// How many watched resources one read of a tick covers: the states a read returns are
/// handed out before the next part is read, so a tick holds at most this many at once
/// however many resources wait (the provider still batches and spreads each part's calls).
const READ_PART: usize = 2_000;

/// What one poll saw of a resource.
#[derive(Clone, Debug)]
pub enum Observation {
    /// The cloud has it, in this state.
    Found(ResourceState),
    /// The cloud does not list it.
    Missing,
    /// The read failed for good (the provider already retried transient failures).
    Failed(Error),
}

/// Where the poller leaves a watched resource's latest observation, for the watcher to take.
/// Only the latest is kept, and taking it leaves nothing behind: a waiter wants the cloud as
/// it is now, and a fleet's deletes would otherwise each keep the last state read of an
/// object that is going away.
#[derive(Default)]
struct Slot {
    latest: Mutex<Option<Observation>>,
    ready: tokio::sync::Notify,
    /// The poller stopped watching (the watch was dropped with the poller).
    closed: AtomicBool,
}

struct Waiter {
    recorded: Attributes,
    slot: Arc<Slot>,
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.slot.closed.store(true, Ordering::Release);
        self.slot.ready.notify_one();
    }
}

/// The observations of one watched resource, the latest first seen.
pub struct Observations(Arc<Slot>);

impl Observations {
    /// The next observation not taken yet; `None` once the poller stopped watching.
    /// Cancel safe: an observation is taken only when it is returned.
    pub async fn next(&mut self) -> Option<Observation> {
        loop {
            // Registered before looking, so a notification between the two is not lost.
            let notified = self.0.ready.notified();
            if let Some(observation) = self.0.latest.lock().expect("never poisoned").take() {
                return Some(observation);
            }
            if self.0.closed.load(Ordering::Acquire) {
                return None;
            }
            notified.await;
        }
    }
}

/// The poller of one (provider configuration, resource type).
pub struct Poller {
    waiting: Mutex<HashMap<String, Waiter>>,
    wake: tokio::sync::Notify,
}

impl Poller {
    /// Starts polling `type_name` through `provider` every `interval`.
    pub fn start(
        provider: Arc<dyn Provider>,
        type_name: String,
        interval: Duration,
    ) -> (Arc<Poller>, tokio::task::JoinHandle<()>) {
        let poller = Arc::new(Poller {
            waiting: Mutex::new(HashMap::new()),
            wake: tokio::sync::Notify::new(),
        });
        let task = tokio::spawn(run(poller.clone(), provider, type_name, interval));
        (poller, task)
    }

    /// Watches `id` until [`Poller::unwatch`]; observations arrive on the receiver.
    pub fn watch(&self, id: &str, recorded: Attributes) -> Observations {
        let slot = Arc::new(Slot::default());
        self.waiting
            .lock()
            .expect("the poller's lock is never poisoned")
            .insert(
                id.to_owned(),
                Waiter {
                    recorded,
                    slot: slot.clone(),
                },
            );
        self.wake.notify_one();
        Observations(slot)
    }

    /// Stops watching `id`.
    pub fn unwatch(&self, id: &str) {
        self.waiting
            .lock()
            .expect("the poller's lock is never poisoned")
            .remove(id);
    }
}

async fn run(
    poller: Arc<Poller>,
    provider: Arc<dyn Provider>,
    type_name: String,
    interval: Duration,
) {
    loop {
        let ids: Vec<String> = poller
            .waiting
            .lock()
            .expect("the poller's lock is never poisoned")
            .keys()
            .cloned()
            .collect();
        if ids.is_empty() {
            poller.wake.notified().await;
            // Give a fresh create a moment before the first look.
            tokio::time::sleep(interval).await;
            continue;
        }
        for part in ids.chunks(READ_PART) {
            read_part(&poller, provider.as_ref(), &type_name, part).await;
        }
        tokio::time::sleep(interval).await;
    }
}

/// Reads the resources `ids` that are still watched, and leaves each its observation.
async fn read_part(poller: &Poller, provider: &dyn Provider, type_name: &str, ids: &[String]) {
    let requests: Vec<ReadRequest> = {
        let waiting = poller
            .waiting
            .lock()
            .expect("the poller's lock is never poisoned");
        ids.iter()
            .filter_map(|id| {
                let waiter = waiting.get(id)?;
                Some(ReadRequest {
                    id: id.clone(),
                    recorded: std::borrow::Cow::Owned(waiter.recorded.clone()),
                })
            })
            .collect()
    };
    if requests.is_empty() {
        return;
    }
    let result = provider.read_many(type_name, &requests).await;
    let mut waiting = poller
        .waiting
        .lock()
        .expect("the poller's lock is never poisoned");
    let mut leave = |id: &str, observation: Observation| {
        let Some(waiter) = waiting.get(id) else {
            return;
        };
        if Arc::strong_count(&waiter.slot) == 1 {
            // Its watcher is gone without unwatching (its task was stopped).
            waiting.remove(id);
            return;
        }
        *waiter.slot.latest.lock().expect("never poisoned") = Some(observation);
        waiter.slot.ready.notify_one();
    };
    match result {
        Ok(states) => {
            let mut by_id: HashMap<String, ResourceState> = states
                .into_iter()
                .map(|state| (state.id.clone(), state))
                .collect();
            for request in &requests {
                let observation = match by_id.remove(&request.id) {
                    Some(state) => Observation::Found(state),
                    None => Observation::Missing,
                };
                leave(&request.id, observation);
            }
        }
        Err(error) if !error.is_retryable() => {
            for request in &requests {
                leave(&request.id, Observation::Failed(error.clone()));
            }
        }
        // Throttling and transient failures the provider could not get through: the next
        // tick tries again.
        Err(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_watcher_takes_the_latest_observation_and_nothing_stays_behind() {
        let slot = Arc::new(Slot::default());
        let waiter = Waiter {
            recorded: Attributes::new(),
            slot: slot.clone(),
        };
        let mut observations = Observations(slot.clone());
        // Two ticks before the watcher looks: it sees the latest only.
        *slot.latest.lock().expect("lock") = Some(Observation::Failed(Error::new(
            snapform_provider::ErrorKind::Transient,
            "DescribeDiskBackups",
            "InternalError",
            "an older tick",
        )));
        *slot.latest.lock().expect("lock") = Some(Observation::Missing);
        slot.ready.notify_one();
        assert!(matches!(
            observations.next().await,
            Some(Observation::Missing)
        ));
        assert!(
            slot.latest.lock().expect("lock").is_none(),
            "taken, not copied"
        );
        // The poller lets go of it: the watcher hears the end instead of waiting forever.
        drop(waiter);
        assert!(observations.next().await.is_none());
    }
}
