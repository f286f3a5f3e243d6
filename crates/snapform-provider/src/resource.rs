//! Helpers every provider's resources share: reading a response into attributes, the outcome
//! of a create, and batched deletes.

use serde_json::Value as Json;
use snapform_core::Value;

use crate::error::{CreateError, Error, ErrorKind};
use crate::{Attributes, json};

/// Sets `name` in `attributes` from a response string field, when present and not empty
/// (an unset optional argument comes back as `""`, which must not read as a change).
pub fn put_string(attributes: &mut Attributes, name: &str, object: &Json, key: &str) {
    if let Some(text) = json::non_empty(object, key) {
        attributes.insert(name.to_owned(), Value::String(text));
    }
}

/// Sets `name` from the recorded attributes when the response did not provide it.
pub fn fill_from_record(attributes: &mut Attributes, name: &str, recorded: Option<&Attributes>) {
    if !attributes.contains_key(name)
        && let Some(value) = recorded.and_then(|recorded| recorded.get(name))
    {
        attributes.insert(name.to_owned(), value.clone());
    }
}

/// The outcome of a create call: the ID `id_of` finds in the answer, or why there is none:
/// refused, or an unknown outcome when the request may have been carried out (the caller must
/// look before trying again).
pub fn create_outcome(
    action: &str,
    result: Result<Json, Error>,
    id_of: impl FnOnce(&Json) -> Option<String>,
) -> Result<String, CreateError> {
    match result {
        // An answer without an ID means the cloud did something we cannot name: look before
        // creating again.
        Ok(response) => id_of(&response).ok_or_else(|| {
            CreateError::OutcomeUnknown(
                Error::invalid_response(action, "the response names no ID of what it created")
                    .with_request_id(json::string(&response, "RequestId")),
            )
        }),
        Err(error) if error.maybe_applied => Err(CreateError::OutcomeUnknown(error)),
        Err(error) => Err(CreateError::Rejected(error)),
    }
}

/// Whether `message` names `id` as a whole word (so `s-1` is not found inside `s-10`).
fn names_id(message: &str, id: &str) -> bool {
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    message.match_indices(id).any(|(start, _)| {
        let before = message[..start].chars().next_back();
        let after = message[start + id.len()..].chars().next();
        !before.is_some_and(is_id_char) && !after.is_some_and(is_id_char)
    })
}

/// Deletes `ids` in batches of `batch` with `delete_batch`, treating "not found" as deleted.
/// The outcomes are per ID, not necessarily in the order of `ids`.
///
/// A batch fails as a whole when one of its IDs is gone (ECD answers
/// `InvalidSnapshotId.NotFound` naming it and deletes nothing). When the error names an ID of
/// the batch, that ID counts as deleted and the rest is sent again; any other failure of a
/// batch is retried ID by ID, so one bad ID does not fail the others.
pub async fn delete_in_batches<F, Fut>(
    ids: &[String],
    batch: usize,
    delete_batch: F,
) -> Vec<(String, Result<(), Error>)>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>>,
{
    let mut outcomes = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(batch.max(1)) {
        let mut remaining = chunk.to_vec();
        while !remaining.is_empty() {
            let error = match delete_batch(remaining.clone()).await {
                Ok(()) => {
                    outcomes.extend(remaining.drain(..).map(|id| (id, Ok(()))));
                    break;
                }
                Err(error) => error,
            };
            if remaining.len() == 1 {
                outcomes.push((remaining.remove(0), gone_is_deleted(error)));
                break;
            }
            let named = (error.kind == ErrorKind::NotFound)
                .then(|| remaining.iter().position(|id| names_id(&error.message, id)))
                .flatten();
            match named {
                Some(index) => outcomes.push((remaining.remove(index), Ok(()))),
                None => {
                    for id in remaining.drain(..) {
                        let outcome = delete_batch(vec![id.clone()])
                            .await
                            .or_else(gone_is_deleted);
                        outcomes.push((id, outcome));
                    }
                }
            }
        }
    }
    outcomes
}

fn gone_is_deleted(error: Error) -> Result<(), Error> {
    if error.kind == ErrorKind::NotFound {
        Ok(())
    } else {
        Err(error)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn not_found(id: &str) -> Error {
        Error::new(
            ErrorKind::NotFound,
            "DeleteSnapshot",
            "InvalidSnapshotId.NotFound",
            format!("The specified snapshot `{id}` is not found."),
        )
    }

    #[test]
    fn empty_strings_read_as_absent_and_the_record_fills_gaps() {
        let item = serde_json::json!({"SnapshotName": "", "DiskId": "d-1"});
        let recorded: Attributes = [
            ("snapshot_name".to_owned(), Value::string("nightly")),
            ("disk_id".to_owned(), Value::string("d-0")),
        ]
        .into();
        let mut attributes = Attributes::new();
        put_string(&mut attributes, "snapshot_name", &item, "SnapshotName");
        put_string(&mut attributes, "disk_id", &item, "DiskId");
        assert!(!attributes.contains_key("snapshot_name"));
        for name in ["snapshot_name", "disk_id", "unknown"] {
            fill_from_record(&mut attributes, name, Some(&recorded));
        }
        assert_eq!(attributes["snapshot_name"], Value::string("nightly"));
        assert_eq!(
            attributes["disk_id"],
            Value::string("d-1"),
            "the cloud wins"
        );
        assert_eq!(attributes.len(), 2);
    }

    #[test]
    fn a_create_without_an_id_or_that_may_have_arrived_has_an_unknown_outcome() {
        let id_of = |response: &Json| json::string(response, "SnapshotId");
        let answer = serde_json::json!({"SnapshotId": "s-1", "RequestId": "r-1"});
        assert_eq!(
            create_outcome("Create", Ok(answer), id_of),
            Ok("s-1".to_owned())
        );

        let no_id = serde_json::json!({"RequestId": "r-2"});
        let Err(CreateError::OutcomeUnknown(error)) = create_outcome("Create", Ok(no_id), id_of)
        else {
            panic!("an answer without an ID is an unknown outcome")
        };
        assert_eq!(
            (error.code.as_str(), error.request_id.as_deref()),
            ("InvalidResponse", Some("r-2"))
        );

        let mut lost = Error::new(ErrorKind::Transient, "Create", "Timeout", "timed out");
        lost.maybe_applied = true;
        assert!(matches!(
            create_outcome("Create", Err(lost), id_of),
            Err(CreateError::OutcomeUnknown(_))
        ));
        let refused = Error::new(ErrorKind::Permanent, "Create", "InvalidParameter", "no");
        assert!(matches!(
            create_outcome("Create", Err(refused), id_of),
            Err(CreateError::Rejected(_))
        ));
    }

    #[test]
    fn ids_are_found_in_messages_as_whole_words() {
        assert!(names_id("snapshot `s-1` is not found", "s-1"));
        assert!(!names_id("snapshot `s-10` is not found", "s-1"));
        assert!(names_id("s-1", "s-1"));
        assert!(!names_id("as-1", "s-1"));
    }

    #[tokio::test]
    async fn a_gone_id_named_by_the_error_is_dropped_from_the_batch() {
        let existing = ["s-1", "s-3"];
        let calls = Mutex::new(Vec::new());
        let ids: Vec<String> = ["s-1", "s-2", "s-3"].map(str::to_owned).to_vec();
        let outcomes = delete_in_batches(&ids, 100, |batch| {
            calls.lock().expect("lock").push(batch.clone());
            async move {
                match batch.iter().find(|id| !existing.contains(&id.as_str())) {
                    Some(gone) => Err(not_found(gone)),
                    None => Ok(()),
                }
            }
        })
        .await;
        assert!(outcomes.iter().all(|(_, outcome)| outcome.is_ok()));
        assert_eq!(outcomes.len(), 3);
        assert_eq!(calls.lock().expect("lock").len(), 2, "no call per ID");
    }

    #[tokio::test]
    async fn other_batch_failures_are_retried_one_by_one() {
        let ids: Vec<String> = ["s-1", "s-2"].map(str::to_owned).to_vec();
        let outcomes = delete_in_batches(&ids, 100, |batch| async move {
            if batch.len() > 1 || batch[0] == "s-2" {
                Err(Error::new(
                    ErrorKind::Busy,
                    "DeleteSnapshot",
                    "IncorrectSnapshotStatus",
                    "busy",
                ))
            } else {
                Ok(())
            }
        })
        .await;
        assert!(outcomes[0].1.is_ok());
        assert_eq!(
            outcomes[1].1.as_ref().map_err(|e| e.kind),
            Err(ErrorKind::Busy)
        );
    }
}
