//! The provider trait: everything the planner and the apply engine ask of a cloud, plus the
//! pieces every provider shares — error classes, a per-action rate limiter, a retry loop, the
//! helpers of create, read and delete, the settings a provider is built from, and the resource
//! type registry every cloud is made of (DESIGN §15), and the filter of discovery (listing what a
//! cloud already has, for `snapform import -discover`).
//!
//! This crate does no HTTP and knows no cloud. The planner and apply engine depend on it alone;
//! the command line picks the concrete providers (snapform-tencentcloud, snapform-alicloud)
//! through their [`Cloud`] entries.

mod discover;
mod error;
pub mod json;
mod ratelimit;
mod registry;
mod resource;
mod retry;
mod settings;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use snapform_core::Value;

pub use discover::{DiscoverFilter, Discovered, LeftOut, NameGlob};
pub use error::{CreateError, Error, ErrorKind, error_chain, first_line};
pub use ratelimit::{CallSlots, RateLimiter};
pub use registry::{Cloud, CloudProvider, Registry, ResourceType, schemas_of};
pub use resource::{create_outcome, delete_in_batches, fill_from_record, put_string};
pub use retry::RetryPolicy;
pub use settings::{
    CredentialArguments, Credentials, PartialCredentials, ProfileReader, ProviderSettings,
    resolve as resolve_credentials,
};

/// A boxed future, so that providers can be used as `dyn Provider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Argument or attribute values by name.
pub type Attributes = BTreeMap<String, Value>;

/// Where a resource is in its life, as read from the cloud.
#[derive(Clone, Debug, PartialEq)]
pub enum Readiness {
    /// Still being created; `percent` when the cloud reports progress.
    Creating {
        /// Progress from 0 to 100, if known.
        percent: Option<u8>,
    },
    /// Ready to use (`NORMAL`, `ACCOMPLISHED`, `available`).
    Ready,
    /// Being deleted.
    Deleting,
    /// Failed (`FAILED`, `error`): it will never become ready.
    Failed {
        /// The cloud's state and reason.
        reason: String,
    },
}

/// One resource as the cloud reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceState {
    /// The cloud's ID.
    pub id: String,
    /// Arguments and computed attributes, in the schema's names. Values the cloud does not
    /// report (a Lighthouse snapshot's instance, a snapshot group's disks) come from the
    /// recorded attributes given to the read.
    pub attributes: Attributes,
    /// Creating, ready, deleting or failed.
    pub readiness: Readiness,
}

/// A resource to read: its ID and what snapform recorded about it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadRequest<'r> {
    /// The cloud's ID.
    pub id: String,
    /// The recorded attributes, used to batch reads (ECD lists per desktop) and to fill what
    /// the cloud does not return. Borrowed from the state where it can be: a fleet's refresh
    /// reads every record at once, and copies would double what the state holds.
    pub recorded: std::borrow::Cow<'r, Attributes>,
}

/// A problem found before any change is made, such as a missing disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreflightProblem {
    /// Stable code, for example `parent-not-found`.
    pub code: &'static str,
    /// What is wrong, naming the cloud object.
    pub message: String,
    /// The argument the problem is about, so the plan can point at it.
    pub argument: &'static str,
}

/// The tag key that marks a snapshot with the ID of the intent that created it, on the types
/// whose create API takes tags; it is never shown as an argument or as drift.
pub const INTENT_TAG: &str = "snapform:intent";

/// A create whose outcome is unknown (its answer was lost, or the run was killed), to find
/// what it made.
#[derive(Clone, Debug, PartialEq)]
pub struct LookupRequest {
    /// The arguments the create sent.
    pub arguments: Attributes,
    /// The ID of its intent, which tagged the create where the API takes tags; empty for
    /// intents recorded before snapform tagged creates.
    pub intent_id: String,
    /// When the intent was recorded: nothing created before it (less the clock skew the
    /// clouds' signatures allow) can be what it made. Types whose Describe takes a time
    /// window ask only for what came after.
    pub not_before: Option<jiff::Timestamp>,
}

/// What a plan does to one resource type, as preflight sees it: the creates it checks, and the
/// deletes that free quota, split by when they run. Expired generations wait until their
/// successors are ready, and replacements create first by default, so those deletes free
/// nothing the creates could use. It borrows the plan's attributes: a fleet's plan checks
/// every create, and a copy of them would be the largest thing planning holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlannedChanges<'p> {
    /// The arguments of every planned create, in the order problems are returned.
    pub creates: Vec<&'p Attributes>,
    /// Objects deleted before the creates run (replacements with
    /// `create_before_destroy = false`).
    pub deleted_first: Vec<&'p Attributes>,
    /// Objects deleted after the creates or in no set order (expired generations, plain
    /// deletes, replacements that create first).
    pub deleted_later: Vec<&'p Attributes>,
}

/// Something two operations must not touch at the same time: the clouds refuse a second
/// snapshot of a disk while one is being made.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConflictKey(pub String);

/// What the planner and the apply engine need from a cloud.
///
/// One value serves one provider configuration (one region and one set of credentials).
/// Every method is batched where the cloud allows it: callers pass all the resources of a type
/// at once and the provider chooses the largest requests the API accepts.
pub trait Provider: Send + Sync {
    /// Reads resources of one type, handing each one's state to `found` as soon as its page
    /// of answers is read, so a caller reading a fleet never holds every answer at once.
    /// Resources the cloud no longer has are never handed over; an error means the read itself
    /// failed (and what was handed over before it is only part of the answer).
    fn read_each<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [ReadRequest<'a>],
        found: &'a mut (dyn FnMut(ResourceState) + Send),
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// [`Provider::read_each`], collected: resources the cloud no longer has are missing from
    /// the result.
    fn read_many<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [ReadRequest<'a>],
    ) -> BoxFuture<'a, Result<Vec<ResourceState>, Error>> {
        Box::pin(async move {
            let mut states = Vec::new();
            self.read_each(type_name, requests, &mut |state| states.push(state))
                .await?;
            Ok(states)
        })
    }

    /// Creates one resource and returns its ID. The cloud goes on creating it asynchronously:
    /// poll with [`Provider::read_many`] until it is ready. Where the create API takes tags,
    /// the resource is tagged [`INTENT_TAG`] = `intent_id` (unless `intent_id` is empty), so a
    /// lookup finds exactly it.
    fn create<'a>(
        &'a self,
        type_name: &'a str,
        arguments: &'a Attributes,
        intent_id: &'a str,
    ) -> BoxFuture<'a, Result<String, CreateError>>;

    /// Changes updatable arguments in place; `arguments` holds the new values of all of them.
    fn update<'a>(
        &'a self,
        type_name: &'a str,
        id: &'a str,
        arguments: &'a Attributes,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Deletes resources of one type, batched where the API allows; returns the outcome per
    /// ID. A resource that is already gone counts as deleted.
    fn delete_many<'a>(
        &'a self,
        type_name: &'a str,
        ids: &'a [String],
    ) -> BoxFuture<'a, Vec<(String, Result<(), Error>)>>;

    /// Finds what creates with unknown outcomes may have made, for each request in order: by
    /// the intent's tag where the type has one, else by parent, name and every argument the
    /// cloud reports, and only objects created after the intent where the API can tell.
    /// Batched: one call covers many requests where the API takes several parents or a time
    /// window. The caller narrows further and decides (see `snapform-apply`'s adoption).
    fn lookup_many<'a>(
        &'a self,
        type_name: &'a str,
        requests: &'a [LookupRequest],
    ) -> BoxFuture<'a, Result<Vec<Vec<ResourceState>>, Error>>;

    /// Checks, before any change, that planned creates can succeed: the parent exists, a
    /// snapshot group's disks share an instance, backup quota is left (counting the planned
    /// deletes that run first), a desktop is in a state that allows snapshots. Returns the
    /// problems of each create, in the order of `planned.creates`.
    fn preflight<'a>(
        &'a self,
        type_name: &'a str,
        planned: &'a PlannedChanges<'a>,
    ) -> BoxFuture<'a, Result<Vec<Vec<PreflightProblem>>, Error>>;

    /// Lists the snapshots of one type that exist in the cloud (in this configuration's
    /// region), with batched, paginated Describe calls; only those passing `filter`, sorted by
    /// ID. Providers that cannot list keep the default, which refuses.
    fn discover<'a>(
        &'a self,
        type_name: &'a str,
        _filter: &'a DiscoverFilter,
    ) -> BoxFuture<'a, Result<Discovered, Error>> {
        Box::pin(async move {
            Err(Error::unsupported(
                "",
                format!("this provider cannot list existing {type_name} snapshots"),
            ))
        })
    }
}

/// The current Unix time in seconds, for signatures.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Reads a string argument.
pub fn string_arg<'a>(arguments: &'a Attributes, name: &str) -> Option<&'a str> {
    arguments.get(name).and_then(Value::as_str)
}

/// Reads a list or set of strings.
pub fn strings_arg(arguments: &Attributes, name: &str) -> Vec<String> {
    match arguments.get(name) {
        Some(Value::List(items) | Value::Set(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}
