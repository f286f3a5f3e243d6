//! What one save changes: a [`StateDelta`] names the records, intents and deposed records a
//! step touched (with their new values, or their removal), the outputs if they were set, and
//! the serial the save gives the state.
//!
//! A save must cost what the step changed, not the size of the state (DESIGN §5): the apply
//! engine edits its state through a [`TrackedState`], which notes the key of everything each
//! edit touches, and hands the backend the delta of everything touched since the last save.
//! The local backend appends it to its journal; a database backend writes the rows it names
//! in one transaction. Both refuse a delta that does not follow what they store: the same
//! lineage, and the serial right after the stored one.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use snapform_core::{ResourceInstanceAddr, Value};

use crate::{Error, Intent, ResourceRecord, State};

/// A deposed record's key: several objects of one address may wait for deletion.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DeposedKey {
    /// The address it had.
    pub addr: ResourceInstanceAddr,
    /// The cloud's ID.
    pub id: String,
}

/// The changes of one save, applied on top of the state of serial `serial - 1`.
///
/// Every key appears at most once in a delta: a key touched several times between two saves
/// appears once, with its value at the time of the save. Applying a delta sets each key it
/// names to that value, so the order of its lists carries no meaning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateDelta {
    /// The lineage of the state it changes.
    pub lineage: String,
    /// The serial of the state after it; the stored state must have the one before.
    pub serial: u64,
    /// Records added or replaced at their address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upserted: Vec<ResourceRecord>,
    /// Addresses whose records were removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<ResourceInstanceAddr>,
    /// Intents recorded, each replacing any intent at its address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intents_added: Vec<Intent>,
    /// Addresses whose intents were removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intents_removed: Vec<ResourceInstanceAddr>,
    /// Deposed records kept, each replacing any with the same address and ID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed_added: Vec<ResourceRecord>,
    /// Deposed records removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed_removed: Vec<DeposedKey>,
    /// The new outputs, when they were set.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_value_map"
    )]
    pub outputs: Option<BTreeMap<String, Value>>,
    /// The outputs marked sensitive, set with the outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive_outputs: Option<BTreeSet<String>>,
}

impl StateDelta {
    /// A delta that changes nothing but the serial.
    pub fn empty(lineage: impl Into<String>, serial: u64) -> StateDelta {
        StateDelta {
            lineage: lineage.into(),
            serial,
            upserted: Vec::new(),
            removed: Vec::new(),
            intents_added: Vec::new(),
            intents_removed: Vec::new(),
            deposed_added: Vec::new(),
            deposed_removed: Vec::new(),
            outputs: None,
            sensitive_outputs: None,
        }
    }

    /// Whether it changes nothing but the serial.
    pub fn is_empty(&self) -> bool {
        self.upserted.is_empty()
            && self.removed.is_empty()
            && self.intents_added.is_empty()
            && self.intents_removed.is_empty()
            && self.deposed_added.is_empty()
            && self.deposed_removed.is_empty()
            && self.outputs.is_none()
    }
}

impl State {
    /// Applies `delta`, which must follow this state: the same lineage and the next serial.
    /// Otherwise nothing changes and the error says which state the delta was made for.
    pub fn apply_delta(&mut self, delta: &StateDelta) -> Result<(), Error> {
        if delta.lineage != self.lineage || Some(delta.serial) != self.serial.checked_add(1) {
            return Err(Error::Conflict {
                lineage: delta.lineage.clone(),
                serial: delta.serial,
                stored_lineage: self.lineage.clone(),
                stored_serial: self.serial,
            });
        }
        for addr in &delta.removed {
            self.resources.remove(addr);
        }
        for record in &delta.upserted {
            self.resources.insert(record.clone());
        }
        for addr in &delta.intents_removed {
            self.pending.remove(addr);
        }
        for intent in &delta.intents_added {
            self.pending.insert(intent.clone());
        }
        for key in &delta.deposed_removed {
            self.remove_deposed(&key.addr, &key.id);
        }
        for record in &delta.deposed_added {
            self.depose(record.clone());
        }
        if let Some(outputs) = &delta.outputs {
            self.outputs = outputs.clone();
        }
        if let Some(sensitive) = &delta.sensitive_outputs {
            self.sensitive_outputs = sensitive.clone();
        }
        self.serial = delta.serial;
        Ok(())
    }
}

/// The keys edits touched since the last save.
#[derive(Debug, Default)]
struct Touched {
    resources: BTreeSet<ResourceInstanceAddr>,
    intents: BTreeSet<ResourceInstanceAddr>,
    deposed: BTreeSet<DeposedKey>,
    outputs: bool,
}

/// A state whose every edit notes the key it touched, so that a save can write only those.
///
/// It reads as a [`State`] (through `Deref`); it changes only through its own methods, which
/// are the state's record operations plus the bookkeeping.
#[derive(Debug)]
pub struct TrackedState {
    state: State,
    touched: Touched,
}

impl TrackedState {
    /// Starts tracking from `state`; nothing is touched yet.
    pub fn new(state: State) -> TrackedState {
        TrackedState {
            state,
            touched: Touched::default(),
        }
    }

    /// The state, untracked from now on.
    pub fn into_state(self) -> State {
        self.state
    }

    /// Adds or replaces the record at its address.
    pub fn upsert(&mut self, record: ResourceRecord) {
        self.touched.resources.insert(record.addr.clone());
        self.state.upsert(record);
    }

    /// Removes and returns the record at `addr`.
    pub fn remove(&mut self, addr: &ResourceInstanceAddr) -> Option<ResourceRecord> {
        self.touched.resources.insert(addr.clone());
        self.state.remove(addr)
    }

    /// Records an intent, replacing any at its address.
    pub fn add_intent(&mut self, intent: Intent) {
        self.touched.intents.insert(intent.addr.clone());
        self.state.pending.insert(intent);
    }

    /// Removes and returns the intent at `addr`.
    pub fn remove_intent(&mut self, addr: &ResourceInstanceAddr) -> Option<Intent> {
        self.touched.intents.insert(addr.clone());
        self.state.pending.remove(addr)
    }

    /// Keeps `record` as deposed; see [`State::depose`].
    pub fn depose(&mut self, record: ResourceRecord) {
        self.touched.deposed.insert(DeposedKey {
            addr: record.addr.clone(),
            id: record.id.clone(),
        });
        self.state.depose(record);
    }

    /// Removes and returns a deposed record; see [`State::remove_deposed`].
    pub fn remove_deposed(
        &mut self,
        addr: &ResourceInstanceAddr,
        id: &str,
    ) -> Option<ResourceRecord> {
        self.touched.deposed.insert(DeposedKey {
            addr: addr.clone(),
            id: id.to_owned(),
        });
        self.state.remove_deposed(addr, id)
    }

    /// Replaces the outputs, and which of them are sensitive.
    pub fn set_outputs(&mut self, outputs: BTreeMap<String, Value>, sensitive: BTreeSet<String>) {
        self.touched.outputs = true;
        self.state.outputs = outputs;
        self.state.sensitive_outputs = sensitive;
    }

    /// Whether anything was touched since the last [`TrackedState::take_delta`].
    pub fn is_touched(&self) -> bool {
        let touched = &self.touched;
        touched.outputs
            || !touched.resources.is_empty()
            || !touched.intents.is_empty()
            || !touched.deposed.is_empty()
    }

    /// The delta of everything touched since the last call, as the save of serial `serial`;
    /// forgets what was touched. Costs what was touched, not the size of the state.
    pub fn take_delta(&mut self, serial: u64) -> StateDelta {
        let touched = std::mem::take(&mut self.touched);
        let state = &self.state;
        let mut res = StateDelta::empty(state.lineage.clone(), serial);
        for addr in touched.resources {
            match state.resource(&addr) {
                Some(record) => res.upserted.push(record.clone()),
                None => res.removed.push(addr),
            }
        }
        for addr in touched.intents {
            match state.pending.get(&addr) {
                Some(intent) => res.intents_added.push(intent.clone()),
                None => res.intents_removed.push(addr),
            }
        }
        for key in touched.deposed {
            match state.deposed_record(&key.addr, &key.id) {
                Some(record) => res.deposed_added.push(record.clone()),
                None => res.deposed_removed.push(key),
            }
        }
        if touched.outputs {
            res.outputs = Some(state.outputs.clone());
            res.sensitive_outputs = Some(state.sensitive_outputs.clone());
        }
        res
    }

    /// Marks the keys of `delta` as touched again, after saving it failed, so that the next
    /// delta carries them.
    pub fn retouch(&mut self, delta: &StateDelta) {
        let touched = &mut self.touched;
        touched
            .resources
            .extend(delta.upserted.iter().map(|record| record.addr.clone()));
        touched.resources.extend(delta.removed.iter().cloned());
        touched
            .intents
            .extend(delta.intents_added.iter().map(|intent| intent.addr.clone()));
        touched
            .intents
            .extend(delta.intents_removed.iter().cloned());
        touched
            .deposed
            .extend(delta.deposed_added.iter().map(|record| DeposedKey {
                addr: record.addr.clone(),
                id: record.id.clone(),
            }));
        touched
            .deposed
            .extend(delta.deposed_removed.iter().cloned());
        touched.outputs |= delta.outputs.is_some();
    }

    /// Forgets what was touched: a whole write is about to store the state as it is.
    pub fn untouch(&mut self) {
        self.touched = Touched::default();
    }

    /// Records that the state was saved with `serial`.
    pub fn set_serial(&mut self, serial: u64) {
        self.state.serial = serial;
    }
}

impl std::ops::Deref for TrackedState {
    type Target = State;

    fn deref(&self) -> &State {
        &self.state
    }
}

/// `Option<BTreeMap<String, Value>>` as the state file writes value maps.
mod optional_value_map {
    use std::collections::BTreeMap;

    use snapform_core::Value;

    pub fn serialize<S: serde::Serializer>(
        values: &Option<BTreeMap<String, Value>>,
        ser: S,
    ) -> Result<S::Ok, S::Error> {
        match values {
            Some(values) => crate::model::value_map::serialize(values, ser),
            None => ser.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        de: D,
    ) -> Result<Option<BTreeMap<String, Value>>, D::Error> {
        crate::model::value_map::deserialize(de).map(Some)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;
    use snapform_core::ProviderAddr;

    use super::*;
    use crate::{Operation, RecordStatus};

    pub(crate) fn addr(idx: usize) -> ResourceInstanceAddr {
        format!("tencentcloud_cbs_disk_backup.b[{idx}]")
            .parse()
            .expect("valid address")
    }

    pub(crate) fn record(idx: usize, version: u32) -> ResourceRecord {
        ResourceRecord {
            addr: addr(idx),
            provider: ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            id: format!("dbp-{idx:04}{version:04}"),
            attributes: BTreeMap::from([(
                "disk_backup_name".to_owned(),
                Value::string(format!("b{idx}-v{version}")),
            )]),
            dependencies: Vec::new(),
            status: RecordStatus::Ready,
            sensitive_attributes: BTreeSet::new(),
        }
    }

    pub(crate) fn intent(idx: usize, version: u32) -> Intent {
        Intent {
            id: format!("intent-{idx}"),
            addr: addr(idx),
            provider: ProviderAddr::default_for("tencentcloud"),
            region: "ap-guangzhou".to_owned(),
            operation: Operation::Create,
            arguments: BTreeMap::from([(
                "disk_id".to_owned(),
                Value::string(format!("disk-{version}")),
            )]),
            started_at: "2026-11-22T03:00:00Z".to_owned(),
            sensitive: Default::default(),
        }
    }

    #[derive(Clone, Debug)]
    enum Edit {
        Upsert(usize, u32),
        Remove(usize),
        AddIntent(usize, u32),
        RemoveIntent(usize),
        Depose(usize, u32),
        RemoveDeposed(usize, u32),
        SetOutputs(u32),
        Save,
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (0..6usize, 0..3u32).prop_map(|(idx, v)| Edit::Upsert(idx, v)),
            (0..6usize).prop_map(Edit::Remove),
            (0..6usize, 0..3u32).prop_map(|(idx, v)| Edit::AddIntent(idx, v)),
            (0..6usize).prop_map(Edit::RemoveIntent),
            (0..6usize, 0..3u32).prop_map(|(idx, v)| Edit::Depose(idx, v)),
            (0..6usize, 0..3u32).prop_map(|(idx, v)| Edit::RemoveDeposed(idx, v)),
            (0..3u32).prop_map(Edit::SetOutputs),
            Just(Edit::Save),
        ]
    }

    proptest! {
        /// Whatever the edits and wherever the saves fall, applying the deltas in order to the
        /// starting state gives the state the edits made, and each delta survives JSON.
        #[test]
        fn replaying_the_deltas_gives_the_edited_state(
            start in proptest::collection::vec((0..6usize, 0..3u32), 0..6),
            edits in proptest::collection::vec(edit(), 0..40),
        ) {
            let mut initial = State::new();
            initial.serial = 3;
            for (idx, version) in start {
                initial.upsert(record(idx, version));
            }
            let mut tracked = TrackedState::new(initial.clone());
            let mut replayed = initial;
            let save = |tracked: &mut TrackedState, replayed: &mut State| {
                let delta = tracked.take_delta(replayed.serial + 1);
                let text = serde_json::to_string(&delta).expect("serializes");
                let again: StateDelta = serde_json::from_str(&text).expect("reads back");
                prop_assert_eq!(&again, &delta);
                replayed.apply_delta(&again).expect("follows");
                tracked.set_serial(delta.serial);
                prop_assert!(!tracked.is_touched());
                Ok(())
            };
            for edit in edits {
                match edit {
                    Edit::Upsert(idx, v) => tracked.upsert(record(idx, v)),
                    Edit::Remove(idx) => { tracked.remove(&addr(idx)); }
                    Edit::AddIntent(idx, v) => tracked.add_intent(intent(idx, v)),
                    Edit::RemoveIntent(idx) => { tracked.remove_intent(&addr(idx)); }
                    Edit::Depose(idx, v) => tracked.depose(record(idx, v)),
                    Edit::RemoveDeposed(idx, v) => {
                        tracked.remove_deposed(&addr(idx), &record(idx, v).id);
                    }
                    Edit::SetOutputs(v) => tracked.set_outputs(
                        BTreeMap::from([("name".to_owned(), Value::string(format!("v{v}")))]),
                        BTreeSet::new(),
                    ),
                    Edit::Save => save(&mut tracked, &mut replayed)?,
                }
            }
            save(&mut tracked, &mut replayed)?;
            prop_assert_eq!(&replayed, &*tracked);
        }
    }

    #[test]
    fn a_delta_must_follow_the_state() {
        let mut state = State::new();
        state.serial = 4;
        let before = state.clone();
        let mut delta = StateDelta::empty(state.lineage.clone(), 6);
        delta.upserted.push(record(1, 0));
        assert!(matches!(
            state.apply_delta(&delta),
            Err(Error::Conflict {
                serial: 6,
                stored_serial: 4,
                ..
            })
        ));
        delta.serial = 5;
        delta.lineage = "another".to_owned();
        assert!(matches!(
            state.apply_delta(&delta),
            Err(Error::Conflict { .. })
        ));
        assert_eq!(state, before, "nothing changed");
        delta.lineage = state.lineage.clone();
        state.apply_delta(&delta).expect("follows");
        assert_eq!(state.serial, 5);
        assert_eq!(state.resource(&addr(1)), Some(&record(1, 0)));
    }

    #[test]
    fn a_failed_save_leaves_its_keys_for_the_next_delta() {
        let mut tracked = TrackedState::new(State::new());
        tracked.upsert(record(1, 0));
        tracked.add_intent(intent(2, 0));
        let delta = tracked.take_delta(1);
        assert!(!tracked.is_touched());
        tracked.retouch(&delta);
        tracked.remove(&addr(1));
        let again = tracked.take_delta(1);
        assert_eq!(again.removed, vec![addr(1)]);
        assert_eq!(again.intents_added, vec![intent(2, 0)]);
    }
}
