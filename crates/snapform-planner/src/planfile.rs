//! The plan file (`plan -out`): the plan as JSON behind a marker and a format version, with
//! every sensitive value left out, so a plan file can be kept as a CI artifact without holding
//! a secret. Only this module knows the plan file's layout; reading and writing the file itself
//! is the CLI's.
//!
//! A sensitive value is written as `{"$sensitive": true}` and read back as a marked unknown
//! value. Apply never needs it from the file: an argument it cannot read from the plan is
//! computed again from the configuration, which must hash to the plan's `config_hash`.

use std::collections::BTreeSet;
use std::io::Read;

use snapform_core::Value;
use snapform_state::State;

use crate::model::{PLAN_FORMAT_VERSION, Plan};

/// The first key of a plan file, so `show` and `apply` refuse other files clearly.
const KIND: &str = "snapform-plan";

/// How every plan file `write` makes begins.
const MARKER: &str = r#"{"kind":"snapform-plan","#;

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
    /// The file cannot be read at all.
    #[error("cannot read the plan file {path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why (in the message, so not also a cause to print again).
        reason: std::io::Error,
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
    let mut text = Vec::new();
    write(plan, &mut text).expect("plans serialize into memory");
    String::from_utf8(text).expect("JSON is UTF-8")
}

/// Writes the plan file for `plan`, without its sensitive values, to `out`, as compact JSON.
///
/// The plan goes to `out` as it is serialized, never whole into memory: a plan of 100,000
/// instances is tens of megabytes of JSON, and a tree of JSON values several times that. It is
/// copied only when it holds something sensitive, to hide it in the copy.
pub fn write(plan: &Plan, out: impl std::io::Write) -> std::io::Result<()> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        kind: &'static str,
        plan: &'a Plan,
    }
    let redacted;
    let plan = if holds_sensitive(plan) {
        let mut copy = plan.clone();
        redact(&mut copy);
        redacted = copy;
        &redacted
    } else {
        plan
    };
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer(&mut out, &Document { kind: KIND, plan })?;
    std::io::Write::flush(&mut out)
}

/// Reads a plan file from the reader `open` gives, which starts at the file's beginning;
/// `path` names it in errors.
///
/// The plan is decoded as it is read, straight into its types: a fleet's plan file is tens of
/// megabytes, and its whole text beside the plan decoded from it was an apply's peak. Only a
/// file that does not decode is opened again, for its marker and version, to tell another
/// file or a newer plan from a damaged one; a newer plan that decodes is refused by its
/// version all the same.
pub fn read<R: Read>(
    path: &str,
    mut open: impl FnMut() -> std::io::Result<R>,
) -> Result<Plan, Error> {
    #[derive(serde::Deserialize)]
    struct Document {
        #[serde(default)]
        kind: Option<serde_json::Value>,
        plan: Plan,
    }
    let not_a_plan = || Error::NotAPlan {
        path: path.to_owned(),
    };
    let unreadable = |reason: std::io::Error| Error::Unreadable {
        path: path.to_owned(),
        reason,
    };
    let too_new = |version: u64| Error::TooNew {
        path: path.to_owned(),
        version,
    };
    let reader = std::io::BufReader::new(open().map_err(unreadable)?);
    let decoded = serde_json::from_reader::<_, Document>(reader);
    let error = match decoded {
        Ok(document) => {
            if document.kind.as_ref().and_then(serde_json::Value::as_str) != Some(KIND) {
                return Err(not_a_plan());
            }
            let mut plan = document.plan;
            if plan.format_version > PLAN_FORMAT_VERSION {
                return Err(too_new(plan.format_version));
            }
            // Read one by one, the changes grew by doubling; a fleet's apply holds them to
            // the end, so they give back what they do not use where the allocator can (a
            // copy to a list of their size would cost more, at once, than it saves).
            plan.changes.shrink_to_fit();
            return Ok(plan);
        }
        Err(error) if error.is_io() => return Err(unreadable(error.into())),
        Err(error) => error,
    };
    let damaged = || Error::Damaged {
        path: path.to_owned(),
        reason: error.to_string(),
    };
    let reader = std::io::BufReader::new(open().map_err(unreadable)?);
    let Ok(header) = serde_json::from_reader::<_, Header>(reader) else {
        // Not even its marker and version read: a file cut short (or edited) past the marker
        // `write` starts every plan file with is damaged; anything else is another file.
        let mut start = Vec::with_capacity(MARKER.len());
        let mut first = open().map_err(unreadable)?.take(MARKER.len() as u64);
        first.read_to_end(&mut start).map_err(unreadable)?;
        return Err(if start == MARKER.as_bytes() {
            damaged()
        } else {
            not_a_plan()
        });
    };
    if header.kind.as_deref() != Some(KIND) {
        return Err(not_a_plan());
    }
    if header.version > PLAN_FORMAT_VERSION {
        return Err(too_new(header.version));
    }
    Err(damaged())
}

/// What [`read`] reads of a file that does not decode: the marker (`kind`, when it is a
/// string) and the plan's `format_version` (0 when it is missing or not a whole number).
/// Anything but a JSON object is no plan file.
struct Header {
    kind: Option<String>,
    version: u64,
}

impl<'de> serde::Deserialize<'de> for Header {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Header, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Header;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a plan file")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Header, A::Error> {
                let mut header = Header {
                    kind: None,
                    version: 0,
                };
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "kind" => {
                            let kind: serde_json::Value = map.next_value()?;
                            header.kind = kind.as_str().map(str::to_owned);
                        }
                        "plan" => header.version = map.next_value::<Version>()?.0,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(header)
            }
        }
        de.deserialize_map(Visitor)
    }
}

/// The `format_version` of the `plan` object; 0 when there is none.
struct Version(u64);

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Version, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Version;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a plan")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Version, A::Error> {
                let mut version = 0;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "format_version" {
                        let value: serde_json::Value = map.next_value()?;
                        version = value.as_u64().unwrap_or(0);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(Version(version))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Version, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Version(0))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Version, E> {
                Ok(Version(0))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Version, E> {
                Ok(Version(0))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Version, E> {
                Ok(Version(0))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Version, E> {
                Ok(Version(0))
            }
            fn visit_str<E>(self, _: &str) -> Result<Version, E> {
                Ok(Version(0))
            }
            fn visit_unit<E>(self) -> Result<Version, E> {
                Ok(Version(0))
            }
        }
        de.deserialize_any(Visitor)
    }
}

/// Whether anything in `plan` is sensitive, so that [`write`] must hide it.
fn holds_sensitive(plan: &Plan) -> bool {
    let state = &plan.prior_state;
    plan.changes
        .iter()
        .any(|change| !change.before_sensitive.is_empty() || !change.after_sensitive.is_empty())
        || plan.drift.iter().any(|drift| !drift.sensitive.is_empty())
        || !plan.sensitive_outputs.is_empty()
        || state
            .resources
            .iter()
            .chain(&state.deposed)
            .any(|record| !record.sensitive_attributes.is_empty())
        || state
            .pending
            .iter()
            .any(|intent| !intent.sensitive.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PlanMode;

    fn plan() -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            mode: PlanMode::Normal,
            lineage: Some("lineage".to_owned()),
            serial: 3,
            config_hash: "hash".to_owned(),
            changes: Vec::new(),
            drift: Vec::new(),
            prior_state: State::new(),
            outputs: [("ids".to_owned(), Value::Unknown)].into(),
            sensitive_outputs: Vec::new(),
            warnings: vec!["a warning".to_owned()],
            timestamp: jiff::Timestamp::UNIX_EPOCH,
            configuration: Default::default(),
            targeted: false,
            blocked: Vec::new(),
        }
    }

    /// The plan file of `plan` with its plan's JSON changed by `change`.
    fn edited(change: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut document: serde_json::Value = serde_json::from_str(&encode(&plan())).expect("JSON");
        change(&mut document);
        document.to_string()
    }

    fn read_text(text: &str) -> Result<Plan, Error> {
        read("tfplan", || Ok(text.as_bytes()))
    }

    #[test]
    fn a_plan_read_as_it_streams_in_is_the_plan_written() {
        let opened = std::cell::Cell::new(0);
        let written = plan();
        let text = encode(&written);
        let back = read("tfplan", || {
            opened.set(opened.get() + 1);
            Ok(text.as_bytes())
        })
        .expect("reads");
        assert_eq!(back, written);
        assert_eq!(opened.get(), 1, "a plan that decodes is read once");
    }

    #[test]
    fn another_file_is_no_plan_file() {
        for text in [
            "not JSON at all".to_owned(),
            "[1, 2]".to_owned(),
            r#"{"format_version": 1, "resources": []}"#.to_owned(),
            edited(|document| document["kind"] = "terraform-plan".into()),
            edited(|document| document["kind"] = 7.into()),
        ] {
            let error = read_text(&text).expect_err(&text);
            assert!(matches!(error, Error::NotAPlan { .. }), "{text}: {error}");
            assert_eq!(error.to_string(), "tfplan is not a snapform plan file");
        }
    }

    #[test]
    fn a_newer_plan_is_refused_by_its_version_whether_or_not_it_decodes() {
        let newer = PLAN_FORMAT_VERSION + 1;
        let decodes = edited(|document| document["plan"]["format_version"] = newer.into());
        let does_not = edited(|document| {
            document["plan"]["format_version"] = newer.into();
            document["plan"]["changes"] = "a new layout".into();
        });
        for text in [decodes, does_not] {
            let error = read_text(&text).expect_err("newer");
            assert_eq!(
                error.to_string(),
                format!("tfplan was written by a newer snapform (plan format {newer})")
            );
        }
    }

    #[test]
    fn a_damaged_plan_says_what_does_not_decode() {
        let text = edited(|document| document["plan"]["serial"] = "three".into());
        let error = read_text(&text).expect_err("damaged");
        let message = error.to_string();
        assert!(matches!(error, Error::Damaged { .. }), "{message}");
        assert!(
            message.starts_with("tfplan is a damaged plan file: invalid type: string \"three\""),
            "{message}"
        );
    }

    #[test]
    fn a_plan_file_cut_short_is_damaged_once_its_marker_is_whole() {
        let text = encode(&plan());
        for end in [
            MARKER.len(),
            MARKER.len() + 1,
            text.len() / 2,
            text.len() - 1,
        ] {
            let error = read_text(&text[..end]).expect_err("cut short");
            let message = error.to_string();
            assert!(
                message.starts_with("tfplan is a damaged plan file: EOF while parsing"),
                "cut at {end}: {message}"
            );
        }
        for end in [0, 1, MARKER.len() - 1] {
            let error = read_text(&text[..end]).expect_err("cut short");
            assert!(
                matches!(error, Error::NotAPlan { .. }),
                "cut at {end}: {error}"
            );
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_is_named_with_why() {
        let error = read("missing/tfplan", || {
            std::fs::File::open("/nonexistent/snapform/tfplan")
        })
        .expect_err("missing");
        let message = error.to_string();
        assert!(
            message.starts_with("cannot read the plan file missing/tfplan: "),
            "{message}"
        );
    }
}
