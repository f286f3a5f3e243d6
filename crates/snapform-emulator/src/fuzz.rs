//! The request pipeline without the network, for the fuzz target of issue 17: an arbitrary
//! request goes through everything the server does with one (authentication and routing,
//! parameter parsing, the action on a fresh cloud, the answer's envelope, or the control API)
//! and must come out as an answer, never a panic.
//!
//! Random bytes almost never carry a valid signature, so most of them would stop at
//! authentication. [`request`] can therefore sign the request itself with the default keys
//! (with the crate's own signing code, the same the checks use), so the fuzzer also reaches the
//! parameter readers and every action.

use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Request};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::api::{self, NonceCache, alibaba, tencent};
use crate::cloud::{self, Cloud, Ctx};
use crate::config::EmulatorConfig;
use crate::inventory::Inventory;
use crate::keys::{
    DEFAULT_ALICLOUD_ACCESS_KEY_ID, DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
    DEFAULT_TENCENTCLOUD_SECRET_ID, DEFAULT_TENCENTCLOUD_SECRET_KEY, KeyTable,
};
use crate::shared::Shared;
use crate::signature::{acs3, decode_form, sha256_hex, tc3};

/// The request time: fixed, so a crashing input replays exactly.
const NOW_SECS: i64 = 1_767_225_600;

/// Serves one request given as bytes and returns the answer's body.
///
/// The first byte chooses what happens: bit 0 signs a Tencent request (TC3) with the default
/// key, bit 1 signs an Alibaba request (ACS3), bit 2 sends the request to the control API
/// instead. The rest is the request, leniently read: a first line `METHOD TARGET`, header lines
/// `name: value`, an empty line, and the body. Lines that are no valid header are skipped.
pub fn request(data: &[u8]) -> Vec<u8> {
    let Some((&flags, rest)) = data.split_first() else {
        return Vec::new();
    };
    let (head, body) = match rest.windows(2).position(|pair| pair == b"\n\n") {
        Some(end) => (&rest[..end], &rest[end + 2..]),
        None => (rest, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default();
    let mut words = first.split_whitespace();
    let method = words.next().unwrap_or("POST");
    let target = words.next().unwrap_or("/");
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return Vec::new();
    };
    let Ok(uri) = target.parse::<hyper::Uri>() else {
        return Vec::new();
    };
    let mut headers = HeaderMap::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) {
            headers.append(name, value);
        }
    }
    if flags & 4 != 0 {
        let Ok(mut request) = Request::builder().method(method).uri(uri).body(()) else {
            return Vec::new();
        };
        *request.headers_mut() = headers;
        let (parts, ()) = request.into_parts();
        let Ok(shared) = Shared::new(EmulatorConfig::default()) else {
            return Vec::new();
        };
        let answer = crate::control::handle(&shared, &parts, body);
        return format!("{:?}", answer.status()).into_bytes();
    }
    let path = uri.path();
    let query = uri.query().unwrap_or("");
    if flags & 1 != 0 {
        sign_tc3(&mut headers, method.as_str(), query, body);
    } else if flags & 2 != 0 {
        sign_acs3(&mut headers, method.as_str(), path, query, body);
    }
    let keys = KeyTable::default();
    let skew = 300;
    let decoded = if tencent::claims(&headers) {
        tencent::decode(
            &tencent::Incoming {
                method: method.as_str(),
                query,
                headers: &headers,
                body,
            },
            &keys,
            &|region| region == "ap-guangzhou",
            NOW_SECS,
            skew,
        )
    } else {
        alibaba::decode(
            &alibaba::Incoming {
                method: method.as_str(),
                path,
                query,
                headers: &headers,
                body,
            },
            &keys,
            &mut NonceCache::default(),
            NOW_SECS,
            skew,
        )
    };
    let call = match decoded {
        Ok(call) => call,
        Err(rejection) => return api::tencent_error(&rejection.error, "fuzz"),
    };
    let mut cloud = Cloud::new(Inventory::builtin());
    let mut rng = StdRng::seed_from_u64(0);
    let mut ctx = Ctx {
        now_ms: NOW_SECS * 1000,
        ready_after_ms: 2000,
        rng: &mut rng,
        request_id: "fuzz",
    };
    // Twice: the second call sees what the first one made (a create's resource, a delete's
    // absence); the first one's answer is returned.
    let first = cloud::dispatch(&mut cloud, &call, &mut ctx);
    let _ = cloud::dispatch(&mut cloud, &call, &mut ctx);
    match first {
        Ok(fields) if call.service.is_tencent() => api::tencent_success(fields, "fuzz"),
        Ok(fields) => api::alibaba_success(fields, "fuzz"),
        Err(error) if call.service.is_tencent() => api::tencent_error(&error, "fuzz"),
        Err(error) => api::alibaba_error(&error, "fuzz", "127.0.0.1", call.service.name()),
    }
}

fn set(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    api::header(headers, name)
}

/// Adds what a TC3 request lacks (action, version, host, content type) and signs it.
fn sign_tc3(headers: &mut HeaderMap, method: &str, query: &str, body: &[u8]) {
    for (name, default) in [
        ("x-tc-action", "DescribeDiskBackups"),
        ("x-tc-version", "2017-03-12"),
        ("x-tc-region", "ap-guangzhou"),
        ("host", "127.0.0.1:4566"),
        ("content-type", "application/json"),
    ] {
        if header(headers, name).is_none() {
            set(headers, name, default);
        }
    }
    let timestamp = NOW_SECS.to_string();
    set(headers, "x-tc-timestamp", &timestamp);
    let service = if header(headers, "x-tc-version") == Some("2020-03-24") {
        "lighthouse"
    } else {
        "cbs"
    };
    let date = tc3::utc_date(NOW_SECS).unwrap_or_default();
    let signed = ["content-type", "host", "x-tc-action"];
    let canonical = tc3::canonical_request(
        method,
        query,
        &signed,
        |name| header(headers, name),
        &sha256_hex(body),
    );
    let string_to_sign = tc3::string_to_sign(&timestamp, &date, service, &canonical);
    let signature = tc3::signature(
        DEFAULT_TENCENTCLOUD_SECRET_KEY,
        &date,
        service,
        &string_to_sign,
    );
    set(
        headers,
        "authorization",
        &format!(
            "{} Credential={DEFAULT_TENCENTCLOUD_SECRET_ID}/{date}/{service}/tc3_request, SignedHeaders={}, Signature={signature}",
            tc3::ALGORITHM,
            signed.join(";")
        ),
    );
}

/// Adds what an ACS3 request lacks (action, version, host) and signs it.
fn sign_acs3(headers: &mut HeaderMap, method: &str, path: &str, query: &str, body: &[u8]) {
    for (name, default) in [
        ("x-acs-action", "DescribeSnapshots"),
        ("x-acs-version", "2020-09-30"),
        ("host", "127.0.0.1:4566"),
    ] {
        if header(headers, name).is_none() {
            set(headers, name, default);
        }
    }
    let date = time::OffsetDateTime::from_unix_timestamp(NOW_SECS)
        .ok()
        .and_then(|time| {
            time.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    set(headers, "x-acs-date", &date);
    set(headers, "x-acs-signature-nonce", "fuzz-nonce");
    set(headers, "x-acs-content-sha256", &sha256_hex(body));
    let signed = [
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ];
    let canonical = acs3::canonical_request(
        method,
        path,
        &acs3::canonical_query(&decode_form(query)),
        &signed,
        |name| header(headers, name),
        &sha256_hex(body),
    );
    let signature = acs3::signature(
        DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
        &acs3::string_to_sign(&canonical),
    );
    set(
        headers,
        "authorization",
        &format!(
            "{} Credential={DEFAULT_ALICLOUD_ACCESS_KEY_ID},SignedHeaders={},Signature={signature}",
            acs3::ALGORITHM,
            signed.join(";")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(data: &[u8]) -> String {
        String::from_utf8(request(data)).expect("answers are UTF-8")
    }

    #[test]
    fn signed_requests_reach_the_actions() {
        let created = answer(
            b"\x01POST /\nx-tc-action: CreateDiskBackup\ncontent-type: application/json\n\n{\"DiskId\": \"disk-qs100001\", \"DiskBackupName\": \"b\"}",
        );
        assert!(created.contains("DiskBackupId"), "{created}");
        let listed =
            answer(b"\x02POST /?RegionId=cn-hangzhou\nx-acs-action: DescribeSnapshots\n\n");
        assert!(listed.contains("\"Snapshots\""), "{listed}");
    }

    #[test]
    fn unsigned_and_control_requests_are_answered() {
        let refused = answer(b"\x00POST /\nx-tc-action: DescribeDisks\n\n");
        assert!(refused.contains("AuthFailure"), "{refused}");
        assert_eq!(answer(b"\x04GET /_emulator/health\n\n"), "200");
    }
}
