//! The plan file (`plan -out`): the plan as JSON behind a marker and a format version, with
//! every sensitive value left out, so a plan file can be kept as a CI artifact without holding
//! a secret. Only this module knows the plan file's layout; reading and writing the file itself
//! is the CLI's.
//!
//! A sensitive value is written as `{"$sensitive": true}` and read back as a marked unknown
//! value. Apply never needs it from the file: an argument it cannot read from the plan is
//! computed again from the configuration, which must hash to the plan's `config_hash`.

use std::collections::BTreeSet;

use snapform_core::Value;
use snapform_state::State;

use crate::model::{PLAN_FORMAT_VERSION, Plan};

/// The first key of a plan file, so `show` and `apply` refuse other files clearly.
const KIND: &str = "snapform-plan";

/// Why a plan file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not JSON, or not a snapform plan file.
    #[error("{path} is not a snapform plan file")]
    NotAPlan {
        /// The file.
        path: String,
    },
    /// A snapform plan file whose contents do not decode.
    #[error("{path} is a damaged plan file: {reason}")]
    Damaged {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// Written by a newer snapform.
    #[error("{path} was written by a newer snapform (plan format {version})")]
    TooNew {
        /// The file.
        path: String,
        /// Its format version.
        version: u64,
    },
}

/// The plan file's text for `plan`, without its sensitive values.
pub fn encode(plan: &Plan) -> String {
    let mut plan = plan.clone();
    redact(&mut plan);
    let document = serde_json::json!({ "kind": KIND, "plan": plan });
    serde_json::to_string_pretty(&document).expect("plans serialize")
}

/// Reads a plan file's text; `path` names it in errors.
pub fn decode(path: &str, text: &str) -> Result<Plan, Error> {
    let not_a_plan = || Error::NotAPlan {
        path: path.to_owned(),
    };
    let document: serde_json::Value = serde_json::from_str(text).map_err(|_| not_a_plan())?;
    if document.get("kind").and_then(|kind| kind.as_str()) != Some(KIND) {
        return Err(not_a_plan());
    }
    let version = document["plan"]["format_version"].as_u64().unwrap_or(0);
    if version > PLAN_FORMAT_VERSION {
        return Err(Error::TooNew {
            path: path.to_owned(),
            version,
        });
    }
    serde_json::from_value(document["plan"].clone()).map_err(|error| Error::Damaged {
        path: path.to_owned(),
        reason: error.to_string(),
    })
}

/// Replaces every sensitive value of `plan` with a marked unknown.
fn redact(plan: &mut Plan) {
    let hidden = || Value::sensitive(Value::Unknown);
    let hide = |values: &mut Option<std::collections::BTreeMap<String, Value>>,
                names: &BTreeSet<String>| {
        for (name, value) in values.iter_mut().flatten() {
            if names.contains(name) {
                *value = hidden();
            }
        }
    };
    for change in &mut plan.changes {
        hide(&mut change.before, &change.before_sensitive);
        hide(&mut change.after, &change.after_sensitive);
    }
    for drift in &mut plan.drift {
        hide(&mut drift.before, &drift.sensitive);
        hide(&mut drift.after, &drift.sensitive);
    }
    for (name, value) in &mut plan.outputs {
        if plan.sensitive_outputs.contains(name) {
            *value = hidden();
        }
    }
    redact_state(&mut plan.prior_state, &plan.sensitive_outputs);
}

/// A state's sensitive values, as a plan file carries it (`prior_state`).
fn redact_state(state: &mut State, sensitive_outputs: &[String]) {
    let redact_record = |mut record: snapform_state::ResourceRecord| {
        for (name, value) in &mut record.attributes {
            if record.sensitive_attributes.contains(name) {
                *value = Value::Null;
            }
        }
        record
    };
    state.resources = std::mem::take(&mut state.resources)
        .into_iter()
        .map(redact_record)
        .collect();
    state.deposed = std::mem::take(&mut state.deposed)
        .into_iter()
        .map(redact_record)
        .collect();
    state.pending = std::mem::take(&mut state.pending)
        .into_iter()
        .map(|mut intent| {
            for (name, value) in &mut intent.arguments {
                if intent.sensitive.contains(name) {
                    *value = Value::Null;
                }
            }
            intent
        })
        .collect();
    for (name, value) in &mut state.outputs {
        if sensitive_outputs.contains(name) {
            *value = Value::Null;
        }
    }
}
