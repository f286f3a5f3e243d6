//! The state model: what snapform knows about each resource it manages, and the intents of
//! creates that have not finished.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use snapform_core::{ProviderAddr, ResourceAddr, ResourceInstanceAddr, Value};

use crate::by_addr::{Addressed, ByAddr};

/// Whether a recorded resource can be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Ready.
    Ready,
    /// Created, but not ready yet when the last run stopped; the next run waits for it.
    Creating,
    /// Created, then failed or timed out: the next plan replaces it.
    Tainted,
}

/// One resource instance snapform manages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceRecord {
    /// Its address in the configuration.
    pub addr: ResourceInstanceAddr,
    /// Its provider configuration.
    pub provider: ProviderAddr,
    /// The region it lives in.
    pub region: String,
    /// The cloud's ID.
    pub id: String,
    /// Arguments and computed attributes, as last read or written.
    #[serde(with = "value_map")]
    pub attributes: BTreeMap<String, Value>,
    /// The resources it depended on when it was created or last changed.
    #[serde(default)]
    pub dependencies: Vec<ResourceAddr>,
    /// Ready, creating or tainted.
    pub status: RecordStatus,
    /// The attributes whose values derive from something sensitive in the configuration:
    /// `show` and `state show` print them as `(sensitive value)`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive_attributes: BTreeSet<String>,
}

/// What an intent was about to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A create: no cloud API here takes an idempotency token, so the next run looks for the
    /// resource by its parent and name before creating it again.
    Create,
}

impl ResourceRecord {
    /// Its type's schema, `None` for a type this build does not know. The state's records name
    /// their type; this is the one place that turns the name into its schema.
    pub fn schema(&self) -> Option<&'static snapform_core::ResourceSchema> {
        snapform_core::schema::resource_schema(&self.addr.resource.type_name)
    }
}

impl Addressed for ResourceRecord {
    fn addr(&self) -> &ResourceInstanceAddr {
        &self.addr
    }
}

/// An operation recorded before it was sent, so that a crash, a lost response or a timeout
/// never leaves an orphan or a duplicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// A random ID, with which the create tags what it makes where the API takes tags, so the
    /// next run finds exactly it; empty in states written before snapform tagged creates.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// The instance being created.
    pub addr: ResourceInstanceAddr,
    /// Its provider configuration.
    pub provider: ProviderAddr,
    /// Its region.
    pub region: String,
    /// What was about to happen.
    pub operation: Operation,
    /// The arguments sent.
    #[serde(with = "value_map")]
    pub arguments: BTreeMap<String, Value>,
    /// When the intent was recorded (RFC 3339, UTC).
    pub started_at: String,
    /// The arguments whose values are sensitive.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive: BTreeSet<String>,
}

impl Intent {
    /// A new, random intent ID.
    pub fn new_id() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }
}

impl Addressed for Intent {
    fn addr(&self) -> &ResourceInstanceAddr {
        &self.addr
    }
}

/// Everything snapform recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The state file format; see [`crate::statefile::FORMAT_VERSION`].
    pub format_version: u64,
    /// Increased by every write.
    pub serial: u64,
    /// Fixed when the state is first created; plans made on another lineage are refused.
    pub lineage: String,
    /// The snapform version that wrote it.
    pub snapform_version: String,
    /// Managed resources, one per address, in address order.
    pub resources: ByAddr<ResourceRecord>,
    /// Creates that were started but not confirmed, one per address.
    #[serde(default)]
    pub pending: ByAddr<Intent>,
    /// Old resources replaced with `create_before_destroy` whose deletion has not finished;
    /// the next plan deletes them. Invariant: sorted by address then ID, no duplicates; change
    /// it through [`State::depose`] and [`State::remove_deposed`].
    #[serde(default)]
    pub deposed: Vec<ResourceRecord>,
    /// The outputs of the last apply.
    #[serde(default, with = "value_map")]
    pub outputs: BTreeMap<String, Value>,
    /// The outputs marked `sensitive`, shown as `<sensitive>`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sensitive_outputs: BTreeSet<String>,
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new() -> State {
        State {
            format_version: crate::statefile::FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            snapform_version: env!("CARGO_PKG_VERSION").to_owned(),
            resources: ByAddr::new(),
            pending: ByAddr::new(),
            deposed: Vec::new(),
            outputs: BTreeMap::new(),
            sensitive_outputs: BTreeSet::new(),
        }
    }

    /// The record at `addr`.
    pub fn resource(&self, addr: &ResourceInstanceAddr) -> Option<&ResourceRecord> {
        self.resources.get(addr)
    }

    /// Adds or replaces the record at its address.
    pub fn upsert(&mut self, record: ResourceRecord) {
        self.resources.insert(record);
    }

    /// Removes and returns the record at `addr`.
    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<ResourceRecord> {
        self.resources.remove(addr)
    }

    /// Keeps `record` as deposed (replacing a deposed record with the same address and ID).
    pub fn depose(&mut self, record: ResourceRecord) {
        match self.deposed_idx(&record.addr, &record.id) {
            Ok(idx) => self.deposed[idx] = record,
            Err(idx) => self.deposed.insert(idx, record),
        }
    }

    /// Removes and returns the deposed record with this address and ID.
    pub fn remove_deposed(
        &mut self,
        addr: &ResourceInstanceAddr,
        id: &str,
    ) -> Option<ResourceRecord> {
        let idx = self.deposed_idx(addr, id).ok()?;
        Some(self.deposed.remove(idx))
    }

    /// The deposed record with this address and ID.
    pub fn deposed_record(&self, addr: &ResourceInstanceAddr, id: &str) -> Option<&ResourceRecord> {
        let idx = self.deposed_idx(addr, id).ok()?;
        Some(&self.deposed[idx])
    }

    fn deposed_idx(&self, addr: &ResourceInstanceAddr, id: &str) -> Result<usize, usize> {
        self.deposed
            .binary_search_by(|record| (&record.addr, record.id.as_str()).cmp(&(addr, id)))
    }

    /// Restores the order of `deposed` after a file listed it in any order; later duplicates
    /// win.
    pub(crate) fn sort_deposed(&mut self) {
        self.deposed.reverse();
        self.deposed
            .sort_by(|a, b| (&a.addr, &a.id).cmp(&(&b.addr, &b.id)));
        self.deposed
            .dedup_by(|later, earlier| later.addr == earlier.addr && later.id == earlier.id);
    }

    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.pending.is_empty() && self.deposed.is_empty()
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

/// Values as plain JSON: sets become arrays and are restored by the schema when compared.
pub(crate) mod value_map {
    use std::collections::BTreeMap;

    use snapform_core::Value;

    pub fn serialize<S: serde::Serializer>(
        values: &BTreeMap<String, Value>,
        ser: S,
    ) -> Result<S::Ok, S::Error> {
        ser.collect_map(values.iter().map(|(key, value)| (key, value.to_json())))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        de: D,
    ) -> Result<BTreeMap<String, Value>, D::Error> {
        let json: BTreeMap<String, serde_json::Value> = serde::Deserialize::deserialize(de)?;
        Ok(json
            .into_iter()
            .map(|(key, value)| (key, Value::from_json(&value)))
            .collect())
    }
}
