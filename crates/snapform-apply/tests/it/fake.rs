//! A scriptable cloud behind the `Provider` trait: what each create does (succeed, lose its
//! answer, be refused, hang), how long resources take to become ready, which deletes are
//! refused, a log of every call, and the most calls that were ever in flight at once.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use snapform_core::Value;
use snapform_provider::{
    Attributes, BoxFuture, CreateError, Error, ErrorKind, LookupRequest, PlannedChanges,
    PreflightProblem, Provider, ReadRequest, Readiness, ResourceState,
};

/// What a test looks at when a create comes in.
type CreateCheck = dyn Fn(&Attributes) + Send + Sync;

/// What the next create does.
#[derive(Clone, Debug)]
pub enum Create {
    /// Makes the resource and answers with its ID.
    Succeed,
    /// Makes the resource, but the answer is lost.
    LoseAnswer,
    /// Refuses: nothing is made.
    Refuse,
    /// Never answers (until the apply gives up on it).
    Hang,
}

/// One cloud object.
#[derive(Clone, Debug)]
pub struct Object {
    pub type_name: String,
    pub arguments: Attributes,
    /// Reads left before it is ready.
    pub reads_until_ready: usize,
    /// When it was made.
    pub created: jiff::Timestamp,
}

#[derive(Default)]
struct Inner {
    objects: BTreeMap<String, Object>,
    creates: VecDeque<Create>,
    refused_deletes: Vec<String>,
    log: Vec<String>,
    next_id: usize,
    /// Called at every create, before anything is made (to look at the saved state).
    on_create: Option<Arc<CreateCheck>>,
}

/// The fake cloud; clone it to keep a handle while the engine holds the provider.
#[derive(Clone, Default)]
pub struct FakeCloud {
    inner: Arc<Mutex<Inner>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    /// Reads before a new object is ready.
    ready_after_reads: usize,
    /// How long each call takes.
    latency: Duration,
}

impl FakeCloud {
    /// A cloud whose objects are ready at once and whose calls take no time.
    pub fn new() -> FakeCloud {
        FakeCloud::default()
    }

    /// A cloud whose objects are ready after `reads` reads, and whose calls take `latency`.
    pub fn with(reads: usize, latency: Duration) -> FakeCloud {
        FakeCloud {
            ready_after_reads: reads,
            latency,
            ..FakeCloud::default()
        }
    }

    /// The provider over this cloud.
    pub fn provider(&self) -> Arc<dyn Provider> {
        Arc::new(self.clone())
    }

    /// The next creates do these, in order; then they succeed.
    pub fn script_creates(&self, script: impl IntoIterator<Item = Create>) {
        self.inner.lock().expect("lock").creates.extend(script);
    }

    /// Deletes of these IDs are refused.
    pub fn refuse_deletes_of(&self, ids: impl IntoIterator<Item = String>) {
        self.inner.lock().expect("lock").refused_deletes = ids.into_iter().collect();
    }

    /// Calls `check` with the arguments of every create, before it does anything.
    pub fn on_create(&self, check: impl Fn(&Attributes) + Send + Sync + 'static) {
        self.inner.lock().expect("lock").on_create = Some(Arc::new(check));
    }

    /// Every call so far, as `action name` lines.
    pub fn log(&self) -> Vec<String> {
        self.inner.lock().expect("lock").log.clone()
    }

    /// The objects that exist, by ID.
    pub fn objects(&self) -> BTreeMap<String, Object> {
        self.inner.lock().expect("lock").objects.clone()
    }

    /// Changes an object behind snapform's back: `edit` gets its arguments, and `None`
    /// deletes it.
    pub fn tamper(&self, id: &str, edit: impl FnOnce(&mut Attributes) -> Option<()>) {
        let mut inner = self.inner.lock().expect("lock");
        let gone = match inner.objects.get_mut(id) {
            Some(object) => edit(&mut object.arguments).is_none(),
            None => false,
        };
        if gone {
            inner.objects.remove(id);
        }
    }

    /// The most calls that were in flight at once.
    pub fn most_in_flight(&self) -> usize {
        self.most_in_flight.load(Ordering::SeqCst)
    }

    async fn call<T>(&self, line: String, work: impl FnOnce(&mut Inner) -> T) -> T {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(self.latency).await;
        let result = {
            let mut inner = self.inner.lock().expect("lock");
            inner.log.push(line);
            work(&mut inner)
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

fn name_of(arguments: &Attributes) -> String {
    arguments
        .get("disk_backup_name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn state_of(id: &str, object: &Object) -> ResourceState {
    let mut attributes = object.arguments.clone();
    attributes.insert(
        "create_time".to_owned(),
        Value::string(object.created.to_string()),
    );
    ResourceState {
        id: id.to_owned(),
        attributes,
        readiness: if object.reads_until_ready == 0 {
            Readiness::Ready
        } else {
            Readiness::Creating { percent: Some(50) }
        },
    }
}

fn refused(action: &str) -> Error {
    Error::new(
        ErrorKind::Permanent,
        action,
        "InvalidParameter",
        "the fake cloud refuses this",
    )
}

impl Provider for FakeCloud {
    fn read_each<'a>(
        &'a self,
        _type_name: &'a str,
        requests: &'a [ReadRequest<'a>],
        found: &'a mut (dyn FnMut(ResourceState) + Send),
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let ids: Vec<String> = requests.iter().map(|request| request.id.clone()).collect();
            let states: Vec<ResourceState> = self
                .call(format!("read {}", ids.join(",")), |inner| {
                    Ok(ids
                        .iter()
                        .filter_map(|id| {
                            let object = inner.objects.get_mut(id)?;
                            let state = state_of(id, object);
                            object.reads_until_ready = object.reads_until_ready.saturating_sub(1);
                            Some(state)
                        })
                        .collect())
                })
                .await?;
            states.into_iter().for_each(found);
            Ok(())
        })
    }

    fn create<'a>(
        &'a self,
        type_name: &'a str,
        arguments: &'a Attributes,
        _intent_id: &'a str,
    ) -> BoxFuture<'a, Result<String, CreateError>> {
        Box::pin(async move {
            let check = self.inner.lock().expect("lock").on_create.clone();
            if let Some(check) = check {
                check(arguments);
            }
            let script = self
                .inner
                .lock()
                .expect("lock")
                .creates
                .pop_front()
                .unwrap_or(Create::Succeed);
            if matches!(script, Create::Hang) {
                self.call(format!("create {} (hangs)", name_of(arguments)), |_| ())
                    .await;
                std::future::pending::<()>().await;
            }
            let ready_after = self.ready_after_reads;
            let made = self
                .call(format!("create {}", name_of(arguments)), |inner| {
                    if matches!(script, Create::Refuse) {
                        return None;
                    }
                    inner.next_id += 1;
                    let id = format!("dbp-{:08}", inner.next_id);
                    inner.objects.insert(
                        id.clone(),
                        Object {
                            type_name: type_name.to_owned(),
                            arguments: arguments.clone(),
                            reads_until_ready: ready_after,
                            created: jiff::Timestamp::now(),
                        },
                    );
                    Some(id)
                })
                .await;
            match (made, script) {
                (None, _) => Err(CreateError::Rejected(refused("Create"))),
                (Some(_), Create::LoseAnswer) => Err(CreateError::OutcomeUnknown(Error::new(
                    ErrorKind::Transient,
                    "Create",
                    "ConnectionLost",
                    "the answer was lost",
                ))),
                (Some(id), _) => Ok(id),
            }
        })
    }

    fn update<'a>(
        &'a self,
        _type_name: &'a str,
        id: &'a str,
        arguments: &'a Attributes,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.call(format!("update {id}"), |inner| {
                if let Some(object) = inner.objects.get_mut(id) {
                    object.arguments.extend(arguments.clone());
                }
                Ok(())
            })
            .await
        })
    }

    fn delete_many<'a>(
        &'a self,
        _type_name: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Vec<(String, Result<(), Error>)>> {
        Box::pin(async move {
            self.call(format!("delete {}", ids.join(",")), |inner| {
                ids.iter()
                    .map(|id| {
                        if inner.refused_deletes.contains(id) {
                            return (id.clone(), Err(refused("Delete")));
                        }
                        inner.objects.remove(id);
                        (id.clone(), Ok(()))
                    })
                    .collect()
            })
            .await
        })
    }

    fn lookup_many<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [LookupRequest],
    ) -> BoxFuture<'a, Result<Vec<Vec<ResourceState>>, Error>> {
        Box::pin(async move {
            let names: Vec<String> = requests
                .iter()
                .map(|request| name_of(&request.arguments))
                .collect();
            self.call(format!("lookup {}", names.join(",")), |inner| {
                Ok(names
                    .iter()
                    .map(|name| {
                        inner
                            .objects
                            .iter()
                            .filter(|(_, object)| {
                                object.type_name == type_name && name_of(&object.arguments) == *name
                            })
                            .map(|(id, object)| state_of(id, object))
                            .collect()
                    })
                    .collect())
            })
            .await
        })
    }

    fn preflight<'a>(
        &'a self,
        _type_name: &'a str,
        planned: &'a PlannedChanges,
    ) -> BoxFuture<'a, Result<Vec<Vec<PreflightProblem>>, Error>> {
        Box::pin(async move { Ok(planned.creates.iter().map(|_| Vec::new()).collect()) })
    }
}
