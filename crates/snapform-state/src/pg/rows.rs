//! States and deltas as the `pg` backend's rows: each record, intent and deposed record is its
//! own JSON document (the state file's form of it), keyed by its address. Encoding happens on
//! the caller's thread, so the database thread only sends what is ready.

use std::collections::{BTreeMap, BTreeSet};

use snapform_core::Value;

use crate::{Error, Intent, ResourceRecord, State, StateDelta, statefile};

/// The header row.
#[derive(Debug)]
pub(super) struct Header {
    pub lineage: String,
    pub serial: i64,
    pub format_version: i64,
    pub snapform_version: String,
    pub outputs: String,
    pub sensitive_outputs: String,
}

/// Rows keyed by address: the keys, and the JSON documents at the same positions.
#[derive(Debug, Default)]
pub(super) struct Keyed {
    pub addrs: Vec<String>,
    pub documents: Vec<String>,
}

/// Deposed rows: their addresses, IDs and documents at the same positions.
#[derive(Debug, Default)]
pub(super) struct DeposedRows {
    pub addrs: Vec<String>,
    pub ids: Vec<String>,
    pub documents: Vec<String>,
}

/// A whole state as rows.
#[derive(Debug)]
pub(super) struct StateRows {
    pub header: Header,
    pub resources: Keyed,
    pub intents: Keyed,
    pub deposed: DeposedRows,
    /// Written into the header, to tell after a lost connection whether this write committed.
    pub save_id: String,
}

/// One step as rows.
#[derive(Debug)]
pub(super) struct DeltaRows {
    pub lineage: String,
    pub serial: i64,
    pub outputs: Option<String>,
    pub sensitive_outputs: Option<String>,
    pub upserted: Keyed,
    pub removed: Vec<String>,
    pub intents_added: Keyed,
    pub intents_removed: Vec<String>,
    pub deposed_added: DeposedRows,
    pub deposed_removed_addrs: Vec<String>,
    pub deposed_removed_ids: Vec<String>,
    /// See [`StateRows::save_id`].
    pub save_id: String,
}

pub(super) fn serial_to_sql(serial: u64) -> Result<i64, Error> {
    i64::try_from(serial).map_err(|_| Error::Settings {
        reason: format!("serial {serial} is too large for the pg backend"),
    })
}

fn document(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("records, intents and values always serialize")
}

fn outputs_document(outputs: &BTreeMap<String, Value>) -> String {
    let mut text = Vec::new();
    crate::model::value_map::serialize(outputs, &mut serde_json::Serializer::new(&mut text))
        .expect("values always serialize");
    String::from_utf8(text).expect("JSON is UTF-8")
}

fn keyed<'a, T: serde::Serialize + 'a>(
    items: impl Iterator<Item = &'a T>,
    addr: impl Fn(&T) -> String,
) -> Keyed {
    let mut res = Keyed::default();
    for item in items {
        res.addrs.push(addr(item));
        res.documents.push(document(item));
    }
    res
}

fn deposed_rows<'a>(records: impl Iterator<Item = &'a ResourceRecord>) -> DeposedRows {
    let mut res = DeposedRows::default();
    for record in records {
        res.addrs.push(record.addr.to_string());
        res.ids.push(record.id.clone());
        res.documents.push(document(record));
    }
    res
}

pub(super) fn encode_state(state: &State) -> Result<StateRows, Error> {
    Ok(StateRows {
        header: Header {
            lineage: state.lineage.clone(),
            serial: serial_to_sql(state.serial)?,
            format_version: serial_to_sql(state.format_version)?,
            snapform_version: state.snapform_version.clone(),
            outputs: outputs_document(&state.outputs),
            sensitive_outputs: document(&state.sensitive_outputs),
        },
        resources: keyed(state.resources.iter(), |record: &ResourceRecord| {
            record.addr.to_string()
        }),
        intents: keyed(state.pending.iter(), |intent: &Intent| {
            intent.addr.to_string()
        }),
        deposed: deposed_rows(state.deposed.iter()),
        save_id: uuid::Uuid::new_v4().to_string(),
    })
}

pub(super) fn encode_delta(delta: &StateDelta) -> Result<DeltaRows, Error> {
    Ok(DeltaRows {
        lineage: delta.lineage.clone(),
        serial: serial_to_sql(delta.serial)?,
        outputs: delta.outputs.as_ref().map(outputs_document),
        sensitive_outputs: delta.sensitive_outputs.as_ref().map(document),
        upserted: keyed(delta.upserted.iter(), |record: &ResourceRecord| {
            record.addr.to_string()
        }),
        removed: delta.removed.iter().map(ToString::to_string).collect(),
        intents_added: keyed(delta.intents_added.iter(), |intent: &Intent| {
            intent.addr.to_string()
        }),
        intents_removed: delta
            .intents_removed
            .iter()
            .map(ToString::to_string)
            .collect(),
        deposed_added: deposed_rows(delta.deposed_added.iter()),
        deposed_removed_addrs: delta
            .deposed_removed
            .iter()
            .map(|key| key.addr.to_string())
            .collect(),
        deposed_removed_ids: delta
            .deposed_removed
            .iter()
            .map(|key| key.id.clone())
            .collect(),
        save_id: uuid::Uuid::new_v4().to_string(),
    })
}

/// The state the rows hold; `location` names it in errors.
pub(super) fn assemble(
    location: &str,
    header: Header,
    resources: Vec<String>,
    intents: Vec<String>,
    deposed: Vec<String>,
) -> Result<State, Error> {
    let corrupt = |what: &str, error: serde_json::Error| Error::CorruptRows {
        location: location.to_owned(),
        reason: format!("{what}: {error}"),
    };
    let format_version = u64::try_from(header.format_version).unwrap_or(u64::MAX);
    if format_version > statefile::FORMAT_VERSION {
        return Err(Error::NewerStored {
            what: "state format",
            location: location.to_owned(),
            found: format_version,
            supported: statefile::FORMAT_VERSION,
        });
    }
    let outputs = crate::model::value_map::deserialize(&mut serde_json::Deserializer::from_str(
        &header.outputs,
    ))
    .map_err(|error| corrupt("the outputs", error))?;
    let sensitive_outputs: BTreeSet<String> = serde_json::from_str(&header.sensitive_outputs)
        .map_err(|error| corrupt("the sensitive outputs", error))?;
    let mut state = State {
        format_version,
        serial: u64::try_from(header.serial).map_err(|_| Error::CorruptRows {
            location: location.to_owned(),
            reason: format!("the serial {} is negative", header.serial),
        })?,
        lineage: header.lineage,
        snapform_version: header.snapform_version,
        outputs,
        sensitive_outputs,
        ..State::new()
    };
    for text in resources {
        let record: ResourceRecord =
            serde_json::from_str(&text).map_err(|error| corrupt("a resource record", error))?;
        state.resources.insert(record);
    }
    for text in intents {
        let intent: Intent =
            serde_json::from_str(&text).map_err(|error| corrupt("an intent", error))?;
        state.pending.insert(intent);
    }
    for text in deposed {
        let record: ResourceRecord =
            serde_json::from_str(&text).map_err(|error| corrupt("a deposed record", error))?;
        state.deposed.push(record);
    }
    state.sort_deposed();
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delta::tests::{intent, record};

    #[test]
    fn a_state_survives_its_rows() {
        let mut state = State::new();
        state.serial = 9;
        state.upsert(record(1, 0));
        state.upsert(record(2, 1));
        state.pending.insert(intent(3, 0));
        state.depose(record(4, 2));
        state.outputs = BTreeMap::from([("id".to_owned(), Value::string("x"))]);
        state.sensitive_outputs = BTreeSet::from(["id".to_owned()]);
        let rows = encode_state(&state).expect("encodes");
        let again = assemble(
            "test",
            rows.header,
            rows.resources.documents,
            rows.intents.documents,
            rows.deposed.documents,
        )
        .expect("assembles");
        assert_eq!(again, state);
    }
}
