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
