//! Alibaba Cloud OpenAPI signature V3, `ACS3-HMAC-SHA256`.

use super::{hmac_sha256, rfc3986, sha256_hex};

/// The algorithm name that opens the `Authorization` header.
pub(crate) const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// The parts of an ACS3 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization<'a> {
    pub(crate) access_key_id: &'a str,
    pub(crate) signed_headers: Vec<&'a str>,
    pub(crate) signature: &'a str,
}

/// Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=HEX`.
pub(crate) fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => return None,
        }
    }
    let access_key_id = credential?;
    let signed_headers: Vec<&str> = signed_headers?.split(';').collect();
    if access_key_id.is_empty() || signed_headers.iter().any(|h| h.is_empty()) {
        return None;
    }
    Some(Authorization {
        access_key_id,
        signed_headers,
        signature: signature?,
    })
}

/// Decoded query pairs sorted by name (byte order, so `SnapshotId.10` sorts before
/// `SnapshotId.2`), each name and value RFC 3986-encoded, joined with `&`.
pub(crate) fn canonical_query(pairs: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| (rfc3986(name), rfc3986(value)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD\nPATH\nQUERY\nHEADERS\nSIGNED\nPAYLOAD_HASH`; headers as `name:trimmed value\n`,
/// in the (sorted, lower-case) order of the signed header list.
pub(crate) fn canonical_request<'h>(
    method: &str,
    path: &str,
    canonical_query: &str,
    signed_headers: &[&str],
    header: impl Fn(&str) -> Option<&'h str>,
    payload_hash: &str,
) -> String {
    let mut names: Vec<String> = signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    names.sort();
    let mut canonical = String::with_capacity(512);
    canonical.push_str(method);
    canonical.push('\n');
    canonical.push_str(path);
    canonical.push('\n');
    canonical.push_str(canonical_query);
    canonical.push('\n');
    for name in &names {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(header(name).unwrap_or("").trim());
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&names.join(";"));
    canonical.push('\n');
    canonical.push_str(payload_hash);
    canonical
}

/// `ACS3-HMAC-SHA256\n{hex sha256(canonical)}`.
pub(crate) fn string_to_sign(canonical: &str) -> String {
    format!("{ALGORITHM}\n{}", sha256_hex(canonical.as_bytes()))
}

/// Hex HMAC-SHA256 with the access key secret.
pub(crate) fn signature(secret: &str, string_to_sign: &str) -> String {
    hex::encode(hmac_sha256(secret.as_bytes(), string_to_sign.as_bytes()))
}
