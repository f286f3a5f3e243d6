//! The control API under `/_emulator/`: inspect and change the emulated cloud behind a
//! client's back, set faults, reset, read counters. No signature, rate limit or fault ever
//! applies here. Every answer is JSON; errors are `{"error": "..."}` with a 4xx status.
//!
//! | route | does |
//! | --- | --- |
//! | `GET /_emulator/health` | `{"status": "ok"}` |
//! | `GET /_emulator/resources[?type=&region=&parent=]` | array of `{type, id, region, name, description, parents, status, progress, created_at, tags, member_ids}` |
//! | `GET /_emulator/resources/{id}` | one resource |
//! | `DELETE /_emulator/resources/{id}` | removes it at once (drift: gone from the cloud) |
//! | `PATCH` or `POST /_emulator/resources/{id}` | body `{"name"?, "description"?, "status"?, "tags"?}`: rename or force a status (`null` clears it) |
//! | `GET /_emulator/inventory`, `PUT /_emulator/inventory` | read or replace the disks, instances and desktops |
//! | `GET /_emulator/faults`, `POST /_emulator/faults` | read or set fault rates (JSON form of `--faults`, optional `"seed"`) |
//! | `POST /_emulator/reset` | back to the configured inventory with no resources; clears stats, rate buckets and faults |
//! | `GET /_emulator/stats`, `DELETE /_emulator/stats` | read or clear the counters |

use bytes::Bytes;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::cloud::{Cloud, ResourceType};
use crate::faults::FaultConfig;
use crate::inventory::Inventory;
use crate::params::Tag;
use crate::response::json_response;
use crate::shared::Shared;
use crate::sync::lock;

type Answer = Response<Full<Bytes>>;

fn ok(value: &Value) -> Answer {
    json_response(
        StatusCode::OK,
        serde_json::to_vec(value).expect("JSON values always serialise"),
    )
}

fn fail(status: StatusCode, message: impl Into<String>) -> Answer {
    let message: String = message.into();
    json_response(
        status,
        serde_json::to_vec(&json!({"error": message})).expect("JSON values always serialise"),
    )
}

fn persist_failed(error: &crate::error::Error) -> Answer {
    fail(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("could not persist the cloud: {error}"),
    )
}

/// Serves one control request.
pub(crate) fn handle(shared: &Shared, parts: &Parts, body: &[u8]) -> Answer {
    let path = parts.uri.path().trim_end_matches('/');
    let method = &parts.method;
    let rest = path.strip_prefix("/_emulator").unwrap_or("");
    match (method, rest) {
        (&Method::GET, "/health") => ok(&json!({"status": "ok"})),
        (&Method::GET, "/resources") => list_resources(shared, parts.uri.query().unwrap_or("")),
        (&Method::GET, "/inventory") => read(shared, |cloud, _| {
            serde_json::to_value(cloud.inventory()).expect("inventory serialises")
        }),
        (&Method::PUT, "/inventory") => put_inventory(shared, body),
        (&Method::GET, "/faults") => {
            ok(&serde_json::to_value(lock(&shared.faults).config()).expect("faults serialise"))
        }
        (&Method::POST, "/faults") => set_faults(shared, body),
        (&Method::POST, "/reset") => reset(shared),
        (&Method::GET, "/stats") => {
            ok(&serde_json::to_value(&*lock(&shared.stats)).expect("stats serialise"))
        }
        (&Method::DELETE, "/stats") => {
            *lock(&shared.stats) = crate::stats::Stats::default();
            ok(&json!({"status": "cleared"}))
        }
        _ => match rest.strip_prefix("/resources/") {
            Some(id) if !id.is_empty() && !id.contains('/') => match *method {
                Method::GET => read(shared, |cloud, now| {
                    cloud
                        .get(id)
                        .map_or(Value::Null, |resource| resource.summary(now))
                }),
                Method::DELETE => delete_resource(shared, id),
                Method::PATCH | Method::POST => change_resource(shared, id, body),
                _ => fail(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "use GET, DELETE, PATCH or POST",
                ),
            },
            _ => fail(
                StatusCode::NOT_FOUND,
                format!("no control route {method} {path}"),
            ),
        },
    }
}

/// A read of the (refreshed) cloud; `Value::Null` means not found.
fn read(shared: &Shared, view: impl FnOnce(&Cloud, i64) -> Value) -> Answer {
    let now = shared.now_ms();
    match shared.with_cloud(false, |state| {
        state.cloud.purge(now);
        (view(&state.cloud, now), false)
    }) {
        Ok(Value::Null) => fail(StatusCode::NOT_FOUND, "no such resource"),
        Ok(value) => ok(&value),
        Err(error) => persist_failed(&error),
    }
}

fn list_resources(shared: &Shared, query: &str) -> Answer {
    let mut kind = None;
    let mut region = None;
    let mut parent = None;
    for (name, value) in crate::signature::decode_form(query) {
        match name.as_str() {
            "type" => match ResourceType::parse(&value) {
                Some(parsed) => kind = Some(parsed),
                None => return fail(StatusCode::BAD_REQUEST, format!("unknown type `{value}`")),
            },
            "region" => region = Some(value),
            "parent" => parent = Some(value),
            other => {
                return fail(StatusCode::BAD_REQUEST, format!("unknown filter `{other}`"));
            }
        }
    }
    read(shared, |cloud, now| {
        let mut resources: Vec<_> = cloud
            .resources()
            .filter(|resource| resource.phase(now) != crate::cloud::Phase::Gone)
            .filter(|resource| kind.is_none_or(|kind| resource.kind == kind))
            .filter(|resource| {
                region
                    .as_ref()
                    .is_none_or(|region| *region == resource.region)
            })
            .filter(|resource| {
                parent
                    .as_ref()
                    .is_none_or(|parent| resource.parents.contains(parent))
            })
            .collect();
        resources.sort_by_key(|resource| (resource.created_ms, resource.seq));
        Value::Array(
            resources
                .iter()
                .map(|resource| resource.summary(now))
                .collect(),
        )
    })
}

fn delete_resource(shared: &Shared, id: &str) -> Answer {
    match shared.with_cloud(true, |state| {
        let removed = state.cloud.remove(id).is_some();
        (removed, removed)
    }) {
        Ok(true) => ok(&json!({"deleted": id})),
        Ok(false) => fail(StatusCode::NOT_FOUND, "no such resource"),
        Err(error) => persist_failed(&error),
    }
}

fn change_resource(shared: &Shared, id: &str, body: &[u8]) -> Answer {
    let Ok(Value::Object(change)) = serde_json::from_slice::<Value>(body) else {
        return fail(StatusCode::BAD_REQUEST, "expected a JSON object");
    };
    let mut name = None;
    let mut description = None;
    let mut status: Option<Option<String>> = None;
    let mut tags: Option<Vec<Tag>> = None;
    for (key, value) in &change {
        match (key.as_str(), value) {
            ("name", Value::String(text)) => name = Some(text.clone()),
            ("description", Value::String(text)) => description = Some(text.clone()),
            ("status", Value::String(text)) => status = Some(Some(text.clone())),
            ("status", Value::Null) => status = Some(None),
            ("tags", value) => match serde_json::from_value(value.clone()) {
                Ok(parsed) => tags = Some(parsed),
                Err(_) => {
                    return fail(
                        StatusCode::BAD_REQUEST,
                        "`tags` must be [{\"Key\": ..., \"Value\": ...}]",
                    );
                }
            },
            _ => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    format!("cannot change `{key}` this way"),
                );
            }
        }
    }
    let now = shared.now_ms();
    match shared.with_cloud(true, |state| {
        let changed = state.cloud.update(id, |resource| {
            if let Some(name) = name {
                resource.name = name;
            }
            if let Some(description) = description {
                resource.description = description;
            }
            if let Some(status) = status {
                resource.status_override = status;
            }
            if let Some(tags) = tags {
                resource.tags = tags;
            }
        });
        let view = state.cloud.get(id).map(|resource| resource.summary(now));
        (view, changed)
    }) {
        Ok(Some(view)) => ok(&view),
        Ok(None) => fail(StatusCode::NOT_FOUND, "no such resource"),
        Err(error) => persist_failed(&error),
    }
}

fn put_inventory(shared: &Shared, body: &[u8]) -> Answer {
    let inventory: Inventory = match serde_json::from_slice(body) {
        Ok(inventory) => inventory,
        Err(error) => {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("invalid inventory: {error}"),
            );
        }
    };
    match shared.with_cloud(true, |state| {
        state.cloud.set_inventory(inventory);
        ((), true)
    }) {
        Ok(()) => ok(&json!({"status": "replaced"})),
        Err(error) => persist_failed(&error),
    }
}

fn set_faults(shared: &Shared, body: &[u8]) -> Answer {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) => return fail(StatusCode::BAD_REQUEST, format!("invalid JSON: {error}")),
    };
    let config = match FaultConfig::from_json(&value) {
        Ok(config) => config,
        Err(error) => return fail(StatusCode::BAD_REQUEST, error.to_string()),
    };
    let seed = value.get("seed").and_then(Value::as_u64);
    lock(&shared.faults).set(config, seed);
    ok(&serde_json::to_value(config).expect("faults serialise"))
}

fn reset(shared: &Shared) -> Answer {
    let inventory = shared.config.inventory.clone();
    let result = shared.with_cloud(true, |state| {
        state.cloud = Cloud::new(inventory);
        ((), true)
    });
    if let Err(error) = result {
        return persist_failed(&error);
    }
    *lock(&shared.stats) = crate::stats::Stats::default();
    lock(&shared.limiter).clear();
    lock(&shared.nonces).clear();
    lock(&shared.faults).set(shared.config.faults, Some(shared.config.seed));
    ok(&json!({"status": "reset"}))
}
