//! Waiting for resources to become ready or to disappear, with one batched Describe per
//! (provider configuration, resource type) per tick shared by every waiting resource, never
//! one call per resource.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use snapform_provider::{Attributes, Error, Provider, ReadRequest, ResourceState};
use tokio::sync::watch;

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

struct Waiter {
    recorded: Attributes,
    /// Only the latest observation is kept: a waiter wants the cloud as it is now, and a
    /// queue per waiting resource costs more memory than the resource's record at a fleet's
    /// size.
    sender: watch::Sender<Option<Observation>>,
}

/// The observations of one watched resource, the latest first seen.
pub struct Observations(watch::Receiver<Option<Observation>>);

impl Observations {
    /// The next observation not seen yet; `None` once the poller stopped watching.
    /// Cancel safe: an observation not taken stays for the next call.
    pub async fn next(&mut self) -> Option<Observation> {
        loop {
            self.0.changed().await.ok()?;
            if let Some(observation) = self.0.borrow_and_update().clone() {
                return Some(observation);
            }
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
        let (sender, receiver) = watch::channel(None);
        self.waiting
            .lock()
            .expect("the poller's lock is never poisoned")
            .insert(id.to_owned(), Waiter { recorded, sender });
        self.wake.notify_one();
        Observations(receiver)
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
        let requests: Vec<ReadRequest> = {
            let waiting = poller
                .waiting
                .lock()
                .expect("the poller's lock is never poisoned");
            waiting
                .iter()
                .map(|(id, waiter)| ReadRequest {
                    id: id.clone(),
                    recorded: std::borrow::Cow::Owned(waiter.recorded.clone()),
                })
                .collect()
        };
        if requests.is_empty() {
            poller.wake.notified().await;
            // Give a fresh create a moment before the first look.
            tokio::time::sleep(interval).await;
            continue;
        }
        let result = provider.read_many(&type_name, &requests).await;
        {
            let mut waiting = poller
                .waiting
                .lock()
                .expect("the poller's lock is never poisoned");
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
                        if let Some(waiter) = waiting.get(&request.id)
                            && waiter.sender.send(Some(observation)).is_err()
                        {
                            waiting.remove(&request.id);
                        }
                    }
                }
                Err(error) if !error.is_retryable() => {
                    for request in &requests {
                        if let Some(waiter) = waiting.get(&request.id) {
                            let _ = waiter.sender.send(Some(Observation::Failed(error.clone())));
                        }
                    }
                }
                // Throttling and transient failures the provider could not get through: the
                // next tick tries again.
                Err(_) => {}
            }
        }
        tokio::time::sleep(interval).await;
    }
}
