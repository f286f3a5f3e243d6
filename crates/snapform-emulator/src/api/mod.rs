//! The two wire protocols: turning an HTTP request into an authenticated [`Call`], and an
//! action's outcome back into the cloud's response shape.
//!
//! Tencent Cloud API 3.0 answers HTTP 200 with `{"Response": {..., "RequestId"}}`, errors
//! inside as `Response.Error`. Alibaba RPC answers a flat object with `RequestId`, errors with
//! an HTTP 4xx/5xx status and `{"RequestId", "HostId", "Code", "Message", "Recommend"}`.

pub(crate) mod alibaba;
pub(crate) mod error;
pub(crate) mod tencent;

use std::collections::{HashSet, VecDeque};

use hyper::HeaderMap;
use serde_json::{Map, Value};

pub(crate) use self::error::ApiError;
use crate::params::FlatParams;

/// A header's value, when present and visible ASCII.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The four emulated services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Service {
    Cbs,
    Lighthouse,
    Ecd,
    Ens,
}

impl Service {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::Cbs => "cbs",
            Service::Lighthouse => "lighthouse",
            Service::Ecd => "ecd",
            Service::Ens => "ens",
        }
    }

    pub(crate) fn version(self) -> &'static str {
        match self {
            Service::Cbs => "2017-03-12",
            Service::Lighthouse => "2020-03-24",
            Service::Ecd => "2020-09-30",
            Service::Ens => "2017-11-10",
        }
    }

    pub(crate) fn is_tencent(self) -> bool {
        matches!(self, Service::Cbs | Service::Lighthouse)
    }

    /// The actions the emulator implements for this service.
    pub(crate) fn actions(self) -> &'static [&'static str] {
        match self {
            Service::Cbs => &[
                "CreateDiskBackup",
                "DescribeDiskBackups",
                "DeleteDiskBackups",
                "CreateSnapshotGroup",
                "DescribeSnapshotGroups",
                "DeleteSnapshotGroup",
                "DescribeSnapshots",
                "DescribeDisks",
            ],
            Service::Lighthouse => &[
                "CreateInstanceSnapshot",
                "DescribeSnapshots",
                "DeleteSnapshots",
                "ModifySnapshotAttribute",
                "DescribeInstances",
            ],
            Service::Ecd => &[
                "CreateSnapshot",
                "DescribeSnapshots",
                "DeleteSnapshot",
                "DescribeDesktops",
            ],
            Service::Ens => &[
                "CreateSnapshot",
                "DescribeSnapshots",
                "DeleteSnapshot",
                "ModifySnapshotAttribute",
                "DescribeDisks",
            ],
        }
    }
}

/// True for actions that change the cloud (they persist, and take `busy`/`lost` faults).
pub(crate) fn is_mutating(action: &str) -> bool {
    action.starts_with("Create") || action.starts_with("Delete") || action.starts_with("Modify")
}

/// An authenticated request for one action.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) service: Service,
    pub(crate) action: String,
    /// Tencent `X-TC-Region`, ECD `RegionId`, ENS `EnsRegionId` (empty when absent).
    pub(crate) region: String,
    pub(crate) params: CallParams,
}

/// The action parameters in the cloud's own model.
#[derive(Debug, Clone)]
pub(crate) enum CallParams {
    Json(Map<String, Value>),
    Flat(FlatParams),
}

/// A request refused before it reached an action (auth, routing, protocol).
#[derive(Debug, Clone)]
pub(crate) struct Rejection {
    pub(crate) error: ApiError,
    /// `service.Action` when known, for the stats.
    pub(crate) stats_key: Option<String>,
}

impl Rejection {
    pub(crate) fn new(error: ApiError) -> Self {
        Self {
            error,
            stats_key: None,
        }
    }
}

/// The fresh `RequestId` of an answer: lower-case UUID for Tencent, upper-case for Alibaba.
pub(crate) fn request_id(tencent: bool) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    if tencent { id } else { id.to_ascii_uppercase() }
}

/// `{"Response": {...fields, "RequestId"}}`.
pub(crate) fn tencent_success(mut fields: Map<String, Value>, request_id: &str) -> Vec<u8> {
    fields.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
    envelope(fields)
}

/// `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`, always HTTP 200.
pub(crate) fn tencent_error(error: &ApiError, request_id: &str) -> Vec<u8> {
    let mut fields = Map::new();
    fields.insert(
        "Error".to_owned(),
        serde_json::json!({"Code": error.code, "Message": error.message}),
    );
    fields.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
    envelope(fields)
}

fn envelope(fields: Map<String, Value>) -> Vec<u8> {
    let mut root = Map::new();
    root.insert("Response".to_owned(), Value::Object(fields));
    serde_json::to_vec(&Value::Object(root)).expect("JSON values always serialise")
}

/// A flat object with `RequestId` first.
pub(crate) fn alibaba_success(fields: Map<String, Value>, request_id: &str) -> Vec<u8> {
    let mut root = Map::new();
    root.insert("RequestId".to_owned(), Value::String(request_id.to_owned()));
    root.extend(fields);
    serde_json::to_vec(&Value::Object(root)).expect("JSON values always serialise")
}

/// The flat error body; the HTTP status is `error.status`.
pub(crate) fn alibaba_error(
    error: &ApiError,
    request_id: &str,
    host: &str,
    product: &str,
) -> Vec<u8> {
    let body = serde_json::json!({
        "RequestId": request_id,
        "HostId": host,
        "Code": error.code,
        "Message": error.message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product={product}", error.code),
    });
    serde_json::to_vec(&body).expect("JSON values always serialise")
}

/// Signature nonces seen recently, so a replayed Alibaba request is refused.
///
/// Invariant: `buckets` is ordered by minute, oldest first, and holds only minutes inside the
/// retention window; a nonce is in at most one bucket.
#[derive(Debug, Default)]
pub(crate) struct NonceCache {
    buckets: VecDeque<(i64, HashSet<String>)>,
}

impl NonceCache {
    /// Records `nonce` at `now_secs`; false when it was already used inside `retention_secs`.
    pub(crate) fn insert(&mut self, nonce: String, now_secs: i64, retention_secs: i64) -> bool {
        let minute = now_secs.div_euclid(60);
        let oldest = minute - retention_secs.div_euclid(60) - 1;
        while self
            .buckets
            .front()
            .is_some_and(|(bucket, _)| *bucket < oldest)
        {
            self.buckets.pop_front();
        }
        if self.buckets.iter().any(|(_, seen)| seen.contains(&nonce)) {
            return false;
        }
        match self.buckets.back_mut() {
            Some((bucket, seen)) if *bucket >= minute => {
                seen.insert(nonce);
            }
            _ => {
                self.buckets.push_back((minute, HashSet::from([nonce])));
            }
        }
        true
    }

    pub(crate) fn clear(&mut self) {
        self.buckets.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_single_use_inside_the_window() {
        let mut cache = NonceCache::default();
        assert!(cache.insert("a".to_owned(), 1_000, 300));
        assert!(!cache.insert("a".to_owned(), 1_100, 300));
        assert!(cache.insert("b".to_owned(), 1_100, 300));
        assert!(cache.insert("a".to_owned(), 1_000 + 600, 300));
    }

    #[test]
    fn envelopes() {
        let body = tencent_error(&ApiError::new("InvalidParameter", "bad"), "id-1");
        let value: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(value["Response"]["Error"]["Code"], "InvalidParameter");
        assert_eq!(value["Response"]["RequestId"], "id-1");
        let body = alibaba_error(
            &ApiError::new("Throttling.User", "slow down"),
            "ID",
            "127.0.0.1:1",
            "ecd",
        );
        let value: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(value["Code"], "Throttling.User");
        assert_eq!(value["HostId"], "127.0.0.1:1");
    }
}
