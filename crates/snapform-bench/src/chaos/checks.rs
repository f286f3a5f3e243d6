//! The checks a chaos run makes after each phase, each a named property that must hold:
//! the state file decodes, the state equals the cloud, no duplicate, no orphan, no phantom,
//! nothing left creating, no secret in any file or output.
//!
//! Snapshots are the only objects in the emulated cloud and only snapform makes them (the
//! generated inventory has parents only), so every listed object is snapform's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use snapform_bench::workload::Kind;
use snapform_state::{Backend as _, LocalBackend, RecordStatus, State};

use snapform_bench::standalone::CloudObject;

/// A property a chaos run checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// The state file (with its journal) decodes.
    StateDecodes,
    /// Every record's object exists with the recorded name, parents and description.
    StateEqualsCloud,
    /// No two cloud objects for one address (same type, parents and name), no two records
    /// for one object.
    NoDuplicate,
    /// Every cloud object is recorded (after a crash: recorded or named by a pending intent).
    NoOrphan,
    /// Every record's object exists, after a converged run.
    NoPhantom,
    /// After a converged run: every record ready, no pending intent, no deposed object.
    NothingCreating,
    /// No provider key in any file or output; no sensitive value outside the state.
    NoSecret,
    /// A rerun converges within the allowed number of runs.
    Converges,
    /// After converging, a plan shows no changes.
    NoChanges,
    /// No run ends with a panic or a signal it did not get from us.
    NoPanic,
    /// A run against a hostile cloud ends by itself within the bound.
    HostileBounded,
    /// A run against a hostile cloud succeeds or ends with a clear error, never a panic.
    HostileClear,
    /// A run against a hostile cloud does not grow its memory with the answer's size.
    HostileMemory,
}

impl Check {
    /// Every check, in the order the report lists them.
    pub const ALL: [Check; 13] = [
        Check::StateDecodes,
        Check::StateEqualsCloud,
        Check::NoDuplicate,
        Check::NoOrphan,
        Check::NoPhantom,
        Check::NothingCreating,
        Check::NoSecret,
        Check::Converges,
        Check::NoChanges,
        Check::NoPanic,
        Check::HostileBounded,
        Check::HostileClear,
        Check::HostileMemory,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Check::StateDecodes => "state file decodes",
            Check::StateEqualsCloud => "state equals cloud",
            Check::NoDuplicate => "no duplicate",
            Check::NoOrphan => "no orphan",
            Check::NoPhantom => "no phantom",
            Check::NothingCreating => "nothing left creating",
            Check::NoSecret => "no secret in files or output",
            Check::Converges => "converges within the runs allowed",
            Check::NoChanges => "then a plan shows no changes",
            Check::NoPanic => "no panic",
            Check::HostileBounded => "hostile: ends within the bound",
            Check::HostileClear => "hostile: clear error, no panic",
            Check::HostileMemory => "hostile: memory bounded",
        }
    }
}

/// When the state and the cloud are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Moment {
    /// Right after a run that was killed or failed: creates may be pending and deletes may
    /// have reached the cloud before the state recorded them.
    Interrupted,
    /// After a run that succeeded: the state and the cloud must agree exactly.
    Converged,
    /// After a destroy that succeeded: nothing recorded, nothing in the cloud.
    Destroyed,
}

/// The outcome of a batch of checks: each check made, and what failed.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The checks made.
    pub made: BTreeSet<Check>,
    /// Each failure with its explanation.
    pub failures: Vec<(Check, String)>,
}

impl Outcome {
    /// Records that `check` was made, and failed with `why` when given.
    pub fn record(&mut self, check: Check, why: Option<String>) {
        self.made.insert(check);
        if let Some(why) = why {
            self.failures.push((check, why));
        }
    }

    /// Records `check` with every failure of `failures` (passed when empty), at most a few
    /// spelled out.
    pub fn record_all(&mut self, check: Check, failures: Vec<String>) {
        self.made.insert(check);
        let n = failures.len();
        for why in failures.into_iter().take(5) {
            self.failures.push((check, why));
        }
        if n > 5 {
            self.failures
                .push((check, format!("... and {} more", n - 5)));
        }
    }
}

/// Reads the state as every command would: the state file with its journal applied.
pub fn read_state(dir: &Path) -> Result<Option<State>, String> {
    LocalBackend::new(dir.join("snapform.tfstate"))
        .read()
        .map_err(|error| {
            let mut text = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        })
}

/// The address key of an object: its type, its sorted parents and its name.
type ObjectKey = (Kind, Vec<String>, String);

fn object_key(object: &CloudObject) -> ObjectKey {
    (object.kind, object.parents.clone(), object.name.clone())
}

/// A record's or intent's name and sorted parents, from its arguments.
fn recorded_key(
    type_name: &str,
    attributes: &BTreeMap<String, snapform_core::Value>,
) -> Option<ObjectKey> {
    let kind = Kind::from_type_name(type_name)?;
    let name = attributes.get(kind.name_argument())?.to_json();
    let mut parents = strings(&attributes.get(kind.parent_argument())?.to_json());
    parents.sort();
    Some((kind, parents, name.as_str()?.to_owned()))
}

/// A string, or the strings of a list.
fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(text) => vec![text.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Compares the state with the cloud at `moment`.
pub fn state_and_cloud(
    outcome: &mut Outcome,
    state: Option<&State>,
    cloud: &[CloudObject],
    moment: Moment,
) {
    let empty = State::new();
    let state = state.unwrap_or(&empty);
    let by_id: BTreeMap<&str, &CloudObject> = cloud
        .iter()
        .map(|object| (object.id.as_str(), object))
        .collect();

    // Duplicates: two objects for one address, or two records for one object.
    let mut by_key: BTreeMap<ObjectKey, Vec<&str>> = BTreeMap::new();
    for object in cloud {
        by_key
            .entry(object_key(object))
            .or_default()
            .push(&object.id);
    }
    let mut duplicates: Vec<String> = by_key
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|((kind, parents, name), ids)| {
            format!(
                "{} objects of {} named {name:?} on {}: {}",
                ids.len(),
                kind.type_name(),
                parents.join(","),
                ids.join(", ")
            )
        })
        .collect();
    let mut records_by_id: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for record in state.resources.iter() {
        records_by_id
            .entry(record.id.as_str())
            .or_default()
            .push(record.addr.to_string());
    }
    duplicates.extend(
        records_by_id
            .iter()
            .filter(|(_, addrs)| addrs.len() > 1)
            .map(|(id, addrs)| format!("{id} is recorded at {}", addrs.join(" and "))),
    );
    outcome.record_all(Check::NoDuplicate, duplicates);

    // Orphans: objects the state does not know of.
    let recorded: BTreeSet<&str> = state
        .resources
        .iter()
        .chain(state.deposed.iter())
        .map(|record| record.id.as_str())
        .collect();
    let intended: BTreeSet<ObjectKey> = state
        .pending
        .iter()
        .filter_map(|intent| recorded_key(&intent.addr.resource.type_name, &intent.arguments))
        .collect();
    let orphans: Vec<String> = cloud
        .iter()
        .filter(|object| !recorded.contains(object.id.as_str()))
        .filter(|object| moment != Moment::Interrupted || !intended.contains(&object_key(object)))
        .map(|object| {
            format!(
                "{} {} ({:?} on {}) is in the cloud but not in the state",
                object.kind.type_name(),
                object.id,
                object.name,
                object.parents.join(",")
            )
        })
        .collect();
    outcome.record_all(Check::NoOrphan, orphans);

    if moment == Moment::Interrupted {
        return;
    }

    // Phantoms and attributes.
    let mut phantoms = Vec::new();
    let mut mismatches = Vec::new();
    for record in state.resources.iter() {
        let Some(object) = by_id.get(record.id.as_str()) else {
            phantoms.push(format!(
                "{} records {}, which the cloud does not have",
                record.addr, record.id
            ));
            continue;
        };
        let Some(key) = recorded_key(&record.addr.resource.type_name, &record.attributes) else {
            mismatches.push(format!("{} lacks its name or parents", record.addr));
            continue;
        };
        if key != object_key(object) {
            mismatches.push(format!(
                "{} records {:?} on {}, the cloud has {} {:?} on {}",
                record.addr,
                key.2,
                key.1.join(","),
                object.kind.type_name(),
                object.name,
                object.parents.join(",")
            ));
        }
        if object.kind.has_description() {
            let recorded = record
                .attributes
                .get("description")
                .map(snapform_core::Value::to_json)
                .and_then(|value| value.as_str().map(str::to_owned))
                .unwrap_or_default();
            if recorded != object.description {
                mismatches.push(format!(
                    "{} records another description than the cloud's",
                    record.addr
                ));
            }
        }
    }
    if moment == Moment::Destroyed {
        mismatches.extend(
            state
                .resources
                .iter()
                .map(|record| format!("{} is still recorded after destroy", record.addr)),
        );
    }
    outcome.record_all(Check::NoPhantom, phantoms);
    outcome.record_all(Check::StateEqualsCloud, mismatches);

    let mut unfinished: Vec<String> = state
        .resources
        .iter()
        .filter(|record| record.status != RecordStatus::Ready)
        .map(|record| format!("{} is left {:?}", record.addr, record.status))
        .collect();
    unfinished.extend(
        state
            .pending
            .iter()
            .map(|intent| format!("an intent to create {} is left pending", intent.addr)),
    );
    unfinished.extend(
        state
            .deposed
            .iter()
            .map(|record| format!("deposed {} ({}) is left", record.addr, record.id)),
    );
    outcome.record_all(Check::NothingCreating, unfinished);
}

/// What must never show: the provider keys anywhere, the sensitive value anywhere but in the
/// state's own files.
pub struct Secrets {
    /// The provider secret keys.
    pub keys: Vec<String>,
    /// The sensitive variable's value.
    pub sensitive: String,
}

impl Secrets {
    /// The secrets found in `text`, by description.
    fn found(&self, text: &[u8], state_file: bool) -> Vec<&'static str> {
        let mut res = Vec::new();
        if self.keys.iter().any(|key| contains(text, key.as_bytes())) {
            res.push("a provider secret key");
        }
        if !state_file && contains(text, self.sensitive.as_bytes()) {
            res.push("the sensitive value");
        }
        res
    }

    /// Checks one run's output.
    pub fn output(&self, what: &str, stdout: &str, stderr: &str) -> Vec<String> {
        let mut res = Vec::new();
        for (stream, text) in [("stdout", stdout), ("stderr", stderr)] {
            for secret in self.found(text.as_bytes(), false) {
                res.push(format!("{secret} in the {stream} of `{what}`"));
            }
        }
        res
    }

    /// Checks every file under `dir` (the state, its backup and journal may hold the sensitive
    /// value, nothing may hold a key).
    pub fn files(&self, dir: &Path) -> Vec<String> {
        let mut res = Vec::new();
        let mut stack = vec![dir.to_owned()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                let name = path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .unwrap_or("");
                let state_file = (name.starts_with("snapform.tfstate")
                    && !name.ends_with(".lock.info"))
                    || is_state_temporary(name, &bytes);
                for secret in self.found(&bytes, state_file) {
                    res.push(format!("{secret} in {}", path.display()));
                }
            }
        }
        res
    }
}

/// Whether a file is a temporary copy of the state (an atomic write that a kill interrupted
/// before its rename): it holds the state's values, like the state file.
fn is_state_temporary(name: &str, bytes: &[u8]) -> bool {
    name.starts_with(".tmp") && contains(bytes, b"\"lineage\"")
}

/// The temporary copies of the state left in `dir` by writes that never finished.
pub fn state_temporaries(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut res: Vec<String> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_owned();
            let bytes = std::fs::read(entry.path()).ok()?;
            is_state_temporary(&name, &bytes).then_some(name)
        })
        .collect();
    res.sort();
    res
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(id: &str, name: &str) -> CloudObject {
        CloudObject {
            kind: Kind::LighthouseSnapshot,
            id: id.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            parents: vec!["lhins-1".to_owned()],
        }
    }

    #[test]
    fn an_unrecorded_object_is_an_orphan_and_two_alike_are_duplicates() {
        let cloud = [object("lhsnap-1", "a"), object("lhsnap-2", "a")];
        let mut outcome = Outcome::default();
        state_and_cloud(&mut outcome, None, &cloud, Moment::Converged);
        let failed: BTreeSet<Check> = outcome.failures.iter().map(|(check, _)| *check).collect();
        assert_eq!(
            failed,
            BTreeSet::from([Check::NoDuplicate, Check::NoOrphan])
        );
    }

    #[test]
    fn secrets_in_state_files_are_allowed_only_for_sensitive_values() {
        let secrets = Secrets {
            keys: vec!["KEY".to_owned()],
            sensitive: "NOTE".to_owned(),
        };
        assert!(secrets.found(b"xx NOTE", true).is_empty());
        assert_eq!(secrets.found(b"xx NOTE", false), ["the sensitive value"]);
        assert_eq!(secrets.found(b"KEY", true), ["a provider secret key"]);
    }
}
