//! The three Tencent Cloud resource types, each a module of async functions over [`Client`].

pub mod cbs_disk_backup;
pub mod cbs_snapshot_group;
pub mod lighthouse_snapshot;

use std::collections::BTreeMap;

use serde_json::Value as Json;
use snapform_core::Value;
use snapform_provider::{Error, ErrorKind};

use crate::client::{Client, Service};
use snapform_provider::json;

/// The largest ID list the Describe actions accept, and their page size.
pub const MAX_DESCRIBE: usize = 100;

/// Sets `name` in `attributes` from a response string field, when present.
pub fn put_string(attributes: &mut BTreeMap<String, Value>, name: &str, object: &Json, key: &str) {
    if let Some(text) = json::string(object, key) {
        attributes.insert(name.to_owned(), Value::String(text));
    }
}

/// Sets `name` from a response number field, when present.
pub fn put_number(attributes: &mut BTreeMap<String, Value>, name: &str, object: &Json, key: &str) {
    if let Some(number) = json::number(object, key) {
        attributes.insert(name.to_owned(), Value::Number(number));
    }
}

/// Pages through a Describe action with Offset/Limit, collecting the items of `set_key`.
pub async fn describe_all(
    client: &Client,
    service: Service,
    action: &'static str,
    mut params: Json,
    set_key: &str,
) -> Result<Vec<Json>, Error> {
    let mut items = Vec::new();
    let mut offset = 0usize;
    loop {
        params["Offset"] = Json::from(offset);
        params["Limit"] = Json::from(MAX_DESCRIBE);
        let response = client.call(service, action, &params, true).await?;
        let page = json::items(&response, set_key);
        let total = json::number(&response, "TotalCount").map_or(0, |n| n as usize);
        items.extend(page.iter().cloned());
        offset += page.len();
        if page.is_empty() || offset >= total {
            return Ok(items);
        }
    }
}

/// The ID a create answered in `field`, or why there is none: refused, or an unknown outcome
/// when the request may have been carried out (the caller must look before trying again).
#[expect(
    clippy::result_large_err,
    reason = "CreateError is the provider trait's error type, returned as is"
)]
pub fn created_id(
    action: &'static str,
    result: Result<Json, Error>,
    field: &str,
) -> Result<String, snapform_provider::CreateError> {
    use snapform_provider::CreateError;
    match result {
        Ok(response) => json::string(&response, field).ok_or_else(|| {
            CreateError::OutcomeUnknown(Error::new(
                ErrorKind::Transient,
                action,
                "InvalidResponse",
                format!("no {field} in the response"),
            ))
        }),
        Err(error) if error.maybe_applied => Err(CreateError::OutcomeUnknown(error)),
        Err(error) => Err(CreateError::Rejected(error)),
    }
}

/// The error for an operation a resource type does not support.
pub fn unsupported(action: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::Permanent,
        action,
        "UnsupportedOperation",
        what.to_owned(),
    )
}

/// Deletes `ids` in batches of `batch` with `delete_batch`; when a batch fails, retries its IDs
/// one by one so one bad ID does not fail the others, and treats "not found" as deleted.
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
        match delete_batch(chunk.to_vec()).await {
            Ok(()) => outcomes.extend(chunk.iter().map(|id| (id.clone(), Ok(())))),
            Err(error) if chunk.len() == 1 => outcomes.push((chunk[0].clone(), gone_is_ok(error))),
            Err(_) => {
                for id in chunk {
                    let outcome = delete_batch(vec![id.clone()]).await.or_else(gone_is_ok_err);
                    outcomes.push((id.clone(), outcome));
                }
            }
        }
    }
    outcomes
}

fn gone_is_ok(error: Error) -> Result<(), Error> {
    gone_is_ok_err(error)
}

fn gone_is_ok_err(error: Error) -> Result<(), Error> {
    if error.kind == ErrorKind::NotFound {
        Ok(())
    } else {
        Err(error)
    }
}
