//! Alibaba Cloud RPC: ACS3-HMAC-SHA256 headers or the V1 query signature, flat parameters.
//!
//! Routing: the version (`x-acs-version` or `Version`) picks the product, ECD `2020-09-30` or
//! ENS `2017-11-10`, because the Host header is the loopback address for every service.

use hyper::HeaderMap;

use super::{ApiError, Call, CallParams, NonceCache, Rejection, Service, header};
use crate::keys::KeyTable;
use crate::params::FlatParams;
use crate::signature::{acs3, constant_time_eq, decode_form, rpc_v1, sha256_hex};

fn missing(name: &str) -> ApiError {
    ApiError::new(
        format!("Missing{name}"),
        format!("{name} is mandatory for this action."),
    )
}

/// Everything an Alibaba request needs to be checked.
pub(crate) struct Incoming<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
}

/// Which scheme signed the request.
enum Scheme<'a> {
    V3(acs3::Authorization<'a>),
    V1,
}

/// Authenticates and routes one request. `now` is Unix seconds.
pub(crate) fn decode(
    incoming: &Incoming<'_>,
    keys: &KeyTable,
    nonces: &mut NonceCache,
    now: i64,
    skew_secs: i64,
) -> Result<Call, Rejection> {
    let headers = incoming.headers;
    let mut pairs = decode_form(incoming.query);
    let form_body = header(headers, "content-type")
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if form_body {
        pairs.extend(decode_form(&String::from_utf8_lossy(incoming.body)));
    }
    let params = FlatParams::new(pairs.clone());
    let authorization = header(headers, "authorization");
    let scheme = match authorization {
        Some(value) if value.starts_with(acs3::ALGORITHM) => {
            Scheme::V3(acs3::parse_authorization(value).ok_or_else(|| {
                Rejection::new(ApiError::new(
                    "IncompleteSignature",
                    "The request signature does not conform to Aliyun standards.",
                ))
            })?)
        }
        Some(_) => {
            return Err(Rejection::new(ApiError::new(
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards.",
            )));
        }
        None if params.get("Signature").is_some() => Scheme::V1,
        None => {
            return Err(Rejection::new(ApiError::new(
                "MissingSignature",
                "Signature is mandatory for this action.",
            )));
        }
    };
    let (action, version) = match &scheme {
        Scheme::V3(_) => (
            header(headers, "x-acs-action").ok_or_else(|| Rejection::new(missing("Action")))?,
            header(headers, "x-acs-version").ok_or_else(|| Rejection::new(missing("Version")))?,
        ),
        Scheme::V1 => (
            params
                .get("Action")
                .ok_or_else(|| Rejection::new(missing("Action")))?,
            params
                .get("Version")
                .ok_or_else(|| Rejection::new(missing("Version")))?,
        ),
    };
    let service = match version {
        "2020-09-30" => Service::Ecd,
        "2017-11-10" => Service::Ens,
        other => {
            return Err(Rejection::new(ApiError::new(
                "InvalidVersion",
                format!("Specified parameter Version `{other}` is not valid."),
            )));
        }
    };
    let reject = |error: ApiError| Rejection {
        error,
        stats_key: Some(format!("{}.{action}", service.name())),
    };
    match &scheme {
        Scheme::V3(auth) => {
            check_v3(incoming, auth, keys, nonces, now, skew_secs).map_err(reject)?
        }
        Scheme::V1 => check_v1(
            incoming.method,
            &params,
            keys,
            nonces,
            now,
            skew_secs,
            &pairs,
        )
        .map_err(reject)?,
    }
    if !service.actions().contains(&action) {
        return Err(reject(
            ApiError::new(
                "InvalidAction.NotFound",
                format!("Specified api `{action}` is not found, please check your url and method."),
            )
            .with_status(404),
        ));
    }
    let region = match service {
        Service::Ecd => params
            .required("RegionId", "MissingRegionId")
            .map_err(reject)?
            .to_owned(),
        _ => params.get("EnsRegionId").unwrap_or("").to_owned(),
    };
    Ok(Call {
        service,
        action: action.to_owned(),
        region,
        params: CallParams::Flat(params),
    })
}

fn expired(signed: &str, now: i64, skew_secs: i64) -> Result<(), ApiError> {
    let parsed =
        time::OffsetDateTime::parse(signed, &time::format_description::well_known::Rfc3339)
            .map_err(|_| {
                ApiError::new(
                    "InvalidTimeStamp.Format",
                    format!("Specified time stamp or date value `{signed}` is not well formatted."),
                )
            })?;
    if (now - parsed.unix_timestamp()).abs() > skew_secs {
        return Err(ApiError::new(
            "InvalidTimeStamp.Expired",
            format!("Specified time stamp or date value is expired: {signed}."),
        ));
    }
    Ok(())
}

fn unknown_key() -> ApiError {
    ApiError::new(
        "InvalidAccessKeyId.NotFound",
        "Specified access key is not found.",
    )
    .with_status(404)
}

fn nonce_used() -> ApiError {
    ApiError::new(
        "SignatureNonceUsed",
        "Specified signature nonce was used already.",
    )
}

fn mismatch(string_to_sign: &str) -> ApiError {
    ApiError::new(
        "SignatureDoesNotMatch",
        format!(
            "Specified signature does not match our calculation. server string to sign is:{string_to_sign}"
        ),
    )
}

fn check_v3(
    incoming: &Incoming<'_>,
    auth: &acs3::Authorization<'_>,
    keys: &KeyTable,
    nonces: &mut NonceCache,
    now: i64,
    skew_secs: i64,
) -> Result<(), ApiError> {
    let headers = incoming.headers;
    let signed: Vec<String> = auth
        .signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        if !signed.iter().any(|name| name == required) {
            return Err(ApiError::new(
                "IncompleteSignature",
                format!(
                    "The request signature does not conform to Aliyun standards: `{required}` must be signed."
                ),
            ));
        }
    }
    let date = header(headers, "x-acs-date").ok_or_else(|| missing("Timestamp"))?;
    expired(date, now, skew_secs)?;
    let secret = keys
        .alicloud_secret(auth.access_key_id)
        .ok_or_else(unknown_key)?;
    let body_hash = sha256_hex(incoming.body);
    let claimed_hash = header(headers, "x-acs-content-sha256").unwrap_or("");
    // Form-body parameters are covered by the body hash, not by the canonical query.
    let query_pairs = decode_form(incoming.query);
    let canonical = acs3::canonical_request(
        incoming.method,
        incoming.path,
        &acs3::canonical_query(&query_pairs),
        &auth.signed_headers,
        |name| header(headers, name),
        claimed_hash,
    );
    let string_to_sign = acs3::string_to_sign(&canonical);
    let expected = acs3::signature(secret, &string_to_sign);
    if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes())
        || !constant_time_eq(claimed_hash.as_bytes(), body_hash.as_bytes())
    {
        return Err(mismatch(&string_to_sign));
    }
    let nonce = header(headers, "x-acs-signature-nonce").unwrap_or("");
    if !nonces.insert(
        format!("{}:{nonce}", auth.access_key_id),
        now,
        skew_secs * 2,
    ) {
        return Err(nonce_used());
    }
    Ok(())
}

fn check_v1(
    method: &str,
    params: &FlatParams,
    keys: &KeyTable,
    nonces: &mut NonceCache,
    now: i64,
    skew_secs: i64,
    pairs: &[(String, String)],
) -> Result<(), ApiError> {
    let access_key_id = params
        .get("AccessKeyId")
        .ok_or_else(|| missing("AccessKeyId"))?;
    let method_name = params
        .get("SignatureMethod")
        .ok_or_else(|| missing("SignatureMethod"))?;
    if method_name != "HMAC-SHA1" {
        return Err(ApiError::new(
            "InvalidSignatureMethod",
            format!("Specified signature method `{method_name}` is not supported."),
        ));
    }
    if let Some(version) = params.get("SignatureVersion")
        && version != "1.0"
    {
        return Err(ApiError::new(
            "InvalidSignatureVersion",
            format!("Specified signature version `{version}` is not supported."),
        ));
    }
    let nonce = params
        .get("SignatureNonce")
        .ok_or_else(|| missing("SignatureNonce"))?;
    let timestamp = params
        .get("Timestamp")
        .ok_or_else(|| missing("Timestamp"))?;
    expired(timestamp, now, skew_secs)?;
    let secret = keys
        .alicloud_secret(access_key_id)
        .ok_or_else(unknown_key)?;
    let string_to_sign = rpc_v1::string_to_sign(method, &rpc_v1::canonicalized_query(pairs));
    let expected = rpc_v1::signature(secret, &string_to_sign);
    let sent = params.get("Signature").unwrap_or("");
    if !constant_time_eq(expected.as_bytes(), sent.as_bytes()) {
        return Err(mismatch(&string_to_sign));
    }
    if !nonces.insert(format!("{access_key_id}:{nonce}"), now, skew_secs * 2) {
        return Err(nonce_used());
    }
    Ok(())
}
