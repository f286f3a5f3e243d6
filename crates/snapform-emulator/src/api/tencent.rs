//! Tencent Cloud API 3.0: `X-TC-*` headers, TC3-HMAC-SHA256, JSON (or form) parameters.
//!
//! Routing: the service is the credential scope's (`cbs`, `lighthouse`), because clients point
//! every endpoint at the same loopback address, so the Host header says nothing. A scope that
//! names neither (an SDK that took it from the host, `127`) is routed by `X-TC-Version` and
//! the action instead; see [`route`].

use hyper::HeaderMap;
use serde_json::{Map, Value};

use super::{ApiError, Call, CallParams, Rejection, Service, header};
use crate::keys::KeyTable;
use crate::params::{missing, unflatten};
use crate::signature::{constant_time_eq, decode_form, sha256_hex, tc3};

/// Regions a Tencent request may name besides those of the inventory (which are empty here).
const KNOWN_REGIONS: &[&str] = &[
    "ap-guangzhou",
    "ap-shanghai",
    "ap-beijing",
    "ap-chengdu",
    "ap-chongqing",
    "ap-nanjing",
    "ap-hongkong",
    "ap-singapore",
    "ap-jakarta",
    "ap-seoul",
    "ap-tokyo",
    "ap-mumbai",
    "ap-bangkok",
    "na-siliconvalley",
    "na-ashburn",
    "eu-frankfurt",
    "sa-saopaulo",
    "ap-shanghai-fsi",
    "ap-shenzhen-fsi",
    "ap-beijing-fsi",
];

/// True when the request looks like a Tencent one (any `X-TC-*` header or a TC3 signature).
pub(crate) fn claims(headers: &HeaderMap) -> bool {
    headers.contains_key("x-tc-action")
        || headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("TC3-"))
}

/// Everything a TC3 request needs to be checked.
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// Authenticates and routes one request. `now` is Unix seconds.
pub(crate) fn decode(
    incoming: &Incoming<'_>,
    keys: &KeyTable,
    known_regions: &dyn Fn(&str) -> bool,
    now: i64,
    skew_secs: i64,
) -> Result<Call, Rejection> {
    let headers = incoming.headers;
    let action = header(headers, "x-tc-action").ok_or_else(|| Rejection::new(missing("Action")))?;
    let authorization = header(headers, "authorization").ok_or_else(|| {
        Rejection::new(ApiError::new(
            "AuthFailure.InvalidAuthorization",
            "The `Authorization` header is missing; sign the request with TC3-HMAC-SHA256.",
        ))
    })?;
    let auth = tc3::parse_authorization(authorization).ok_or_else(|| {
        Rejection::new(ApiError::new(
            "AuthFailure.InvalidAuthorization",
            "Authorization header is not a valid TC3-HMAC-SHA256 authorization.",
        ))
    })?;
    let version = header(headers, "x-tc-version");
    let service = route(auth.service, version, action)?;
    let reject = |error: ApiError| Rejection {
        error,
        stats_key: Some(format!("{}.{action}", service.name())),
    };
    let version = version.ok_or_else(|| reject(missing("Version")))?;
    if version != service.version() {
        return Err(reject(ApiError::new(
            "NoSuchVersion",
            format!(
                "The API version `{version}` does not exist for `{}`.",
                service.name()
            ),
        )));
    }
    let timestamp =
        header(headers, "x-tc-timestamp").ok_or_else(|| reject(missing("Timestamp")))?;
    let signed_at: i64 = timestamp.parse().map_err(|_| {
        reject(ApiError::new(
            "InvalidParameterValue",
            format!("The value `{timestamp}` of `X-TC-Timestamp` is not a Unix time in seconds."),
        ))
    })?;
    if (now - signed_at).abs() > skew_secs {
        return Err(reject(ApiError::new(
            "AuthFailure.SignatureExpire",
            format!(
                "Signature expired. Timestamp date {signed_at} is more than {skew_secs} seconds away from the server time {now}."
            ),
        )));
    }
    let secret_key = keys.tencent_secret(auth.secret_id).ok_or_else(|| {
        reject(ApiError::new(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        ))
    })?;
    let signed_lower: Vec<String> = auth
        .signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    if !signed_lower.iter().any(|name| name == "content-type")
        || !signed_lower.iter().any(|name| name == "host")
    {
        return Err(reject(ApiError::new(
            "AuthFailure.InvalidAuthorization",
            "SignedHeaders must include content-type and host.",
        )));
    }
    let payload_hash = match header(headers, "x-tc-content-sha256") {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_owned(),
        _ => sha256_hex(incoming.body),
    };
    let signed_with_host = |host: Option<&str>| {
        let canonical = tc3::canonical_request(
            incoming.method,
            incoming.query,
            &auth.signed_headers,
            |name| {
                if name.eq_ignore_ascii_case("host") {
                    host
                } else {
                    header(headers, name)
                }
            },
            &payload_hash,
        );
        let string_to_sign = tc3::string_to_sign(timestamp, auth.date, auth.service, &canonical);
        let expected = tc3::signature(secret_key, auth.date, auth.service, &string_to_sign);
        constant_time_eq(expected.as_bytes(), auth.signature.as_bytes())
    };
    let host = header(headers, "host");
    // The Node.js SDK signs the host name without its port (`127.0.0.1` for `127.0.0.1:4566`),
    // which no real endpoint has; the key, the scope and the rest are checked all the same.
    let signature_ok = signed_with_host(host)
        || host
            .and_then(|host| host.rsplit_once(':'))
            .is_some_and(|(name, port)| {
                port.bytes().all(|byte| byte.is_ascii_digit()) && signed_with_host(Some(name))
            });
    let date_ok = tc3::utc_date(signed_at).is_some_and(|date| date == auth.date);
    if !date_ok || !signature_ok {
        return Err(reject(ApiError::new(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated. Please check your signature is correct.",
        )));
    }
    if !service.actions().contains(&action) {
        return Err(reject(ApiError::new(
            "InvalidAction",
            format!(
                "The requested action `{action}` does not exist for `{}`.",
                service.name()
            ),
        )));
    }
    let region = header(headers, "x-tc-region").unwrap_or("");
    if region.is_empty() {
        return Err(reject(missing("Region")));
    }
    if !KNOWN_REGIONS.contains(&region) && !known_regions(region) {
        return Err(reject(ApiError::new(
            "UnsupportedRegion",
            format!("The region `{region}` is not supported."),
        )));
    }
    let params = parse_params(incoming).map_err(reject)?;
    Ok(Call {
        service,
        action: action.to_owned(),
        region: region.to_owned(),
        params: CallParams::Json(params),
    })
}

/// The service a request is for: the credential scope's when it names one this endpoint
/// serves; otherwise the one whose API version is `X-TC-Version` and that has the action.
///
/// The second rule is for clients that take the scope's service from the endpoint's host name
/// (the Node.js SDK signs `127` for `127.0.0.1:4566`): the real cloud gives each service its own
/// host, but here every service shares one address. The signature is still checked over the
/// scope the client sent, so nothing about authentication is relaxed.
fn route(scope_service: &str, version: Option<&str>, action: &str) -> Result<Service, Rejection> {
    match scope_service {
        "cbs" => return Ok(Service::Cbs),
        "lighthouse" => return Ok(Service::Lighthouse),
        _ => {}
    }
    let version = version.ok_or_else(|| Rejection::new(missing("Version")))?;
    [Service::Cbs, Service::Lighthouse]
        .into_iter()
        .find(|service| service.version() == version && service.actions().contains(&action))
        .ok_or_else(|| {
            Rejection::new(ApiError::new(
                "AuthFailure.InvalidAuthorization",
                format!(
                    "The service `{scope_service}` of the credential scope is not served by this endpoint, and no service it serves has version `{version}` and action `{action}`."
                ),
            ))
        })
}

/// JSON body for `application/json`, else the 0-based flattened form (query for GET, body for POST).
fn parse_params(incoming: &Incoming<'_>) -> Result<Map<String, Value>, ApiError> {
    let content_type = header(incoming.headers, "content-type").unwrap_or("");
    let invalid = || {
        ApiError::new(
            "InvalidParameter",
            "The request body is not a valid JSON object.",
        )
    };
    if content_type.starts_with("application/json") {
        if incoming.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        return match serde_json::from_slice(incoming.body) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(invalid()),
        };
    }
    let raw = if incoming.method == "GET" {
        incoming.query.to_owned()
    } else {
        String::from_utf8_lossy(incoming.body).into_owned()
    };
    let pairs: Vec<(String, String)> = decode_form(&raw)
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "Action" | "Version" | "Region" | "Timestamp" | "Nonce" | "Language"
            )
        })
        .collect();
    match unflatten(&pairs, 0) {
        Value::Object(map) => Ok(map),
        _ => Err(invalid()),
    }
}
