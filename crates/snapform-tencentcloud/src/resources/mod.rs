//! The three Tencent Cloud resource types, each a module of async functions over [`Client`].

pub mod cbs_disk_backup;
pub mod cbs_snapshot_group;
pub mod lighthouse_snapshot;

use std::collections::BTreeMap;

use serde_json::Value as Json;
use snapform_core::Value;
use snapform_provider::Error;

use crate::client::{Client, Service};
use snapform_provider::json;

/// The largest ID list the Describe actions accept, and their page size.
pub const MAX_DESCRIBE: usize = 100;

/// Sets `name` from a response number field, when present.
pub fn put_number(attributes: &mut BTreeMap<String, Value>, name: &str, object: &Json, key: &str) {
    if let Some(number) = json::number(object, key) {
        attributes.insert(name.to_owned(), Value::Number(number));
    }
}

/// Pages through a Describe action with Offset/Limit, collecting the items of `set_key`, each
/// of which must carry every field of `required`. An answer without its list or its
/// `TotalCount`, or an empty page before `TotalCount` items were read, is an error: it must
/// never pass for "nothing there".
pub async fn describe_all(
    client: &Client,
    service: Service,
    action: &'static str,
    params: Json,
    set_key: &str,
    required: &[&str],
) -> Result<Vec<Json>, Error> {
    describe_until(client, service, action, params, set_key, required, |_| {
        false
    })
    .await
}

/// [`describe_all`], stopping after the page whose last item satisfies `enough`: with the
/// answer ordered newest first, a lookup stops at the first page that reaches back before the
/// time it looks after.
pub async fn describe_until(
    client: &Client,
    service: Service,
    action: &'static str,
    mut params: Json,
    set_key: &str,
    required: &[&str],
    enough: impl Fn(&Json) -> bool,
) -> Result<Vec<Json>, Error> {
    let invalid = |why: String| Error::invalid_response(action, why);
    let mut items = Vec::new();
    let mut offset = 0usize;
    loop {
        params["Offset"] = Json::from(offset);
        params["Limit"] = Json::from(MAX_DESCRIBE);
        let mut response = client.call(service, action, &params, true).await?;
        let page = json::take_items(&mut response, set_key).map_err(invalid)?;
        json::require_fields(&page, set_key, required).map_err(invalid)?;
        let total = json::count(&response, "TotalCount").map_err(invalid)?;
        let (read, enough) = (page.len(), page.last().is_some_and(&enough));
        items.extend(page);
        offset += read;
        if offset >= total || enough {
            return Ok(items);
        }
        if read == 0 {
            return Err(invalid(format!(
                "an empty page at offset {offset}, though `TotalCount` is {total}"
            )));
        }
    }
}
