//! Tencent Cloud API 3.0 `TC3-HMAC-SHA256`.

use super::{hmac_sha256, sha256_hex};

/// The algorithm name that opens the `Authorization` header.
pub(crate) const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// The parts of a TC3 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization<'a> {
    pub(crate) secret_id: &'a str,
    pub(crate) date: &'a str,
    pub(crate) service: &'a str,
    pub(crate) signed_headers: Vec<&'a str>,
    pub(crate) signature: &'a str,
}

/// Parses `TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=HEX`.
/// Spaces after the commas are optional.
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
    let mut scope = credential?.split('/');
    let secret_id = scope.next()?;
    let date = scope.next()?;
    let service = scope.next()?;
    if scope.next()? != "tc3_request" || scope.next().is_some() {
        return None;
    }
    let signed_headers: Vec<&str> = signed_headers?.split(';').collect();
    let signature = signature?;
    if secret_id.is_empty() || service.is_empty() || signed_headers.iter().any(|h| h.is_empty()) {
        return None;
    }
    Some(Authorization {
        secret_id,
        date,
        service,
        signed_headers,
        signature,
    })
}

/// The canonical request. `header` returns a header's value as sent; values are trimmed and
/// lower-cased (TC3 canonicalises both names and values to lower case).
pub(crate) fn canonical_request<'h>(
    method: &str,
    query: &str,
    signed_headers: &[&str],
    header: impl Fn(&str) -> Option<&'h str>,
    payload_hash: &str,
) -> String {
    let mut canonical = String::with_capacity(256);
    canonical.push_str(method);
    canonical.push_str("\n/\n");
    canonical.push_str(query);
    canonical.push('\n');
    for name in signed_headers {
        let name = name.to_ascii_lowercase();
        let value = header(&name).unwrap_or("").trim().to_ascii_lowercase();
        canonical.push_str(&name);
        canonical.push(':');
        canonical.push_str(&value);
        canonical.push('\n');
    }
    canonical.push('\n');
    canonical.push_str(&signed_headers.join(";").to_ascii_lowercase());
    canonical.push('\n');
    canonical.push_str(payload_hash);
    canonical
}

/// `TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{hex sha256(canonical)}`.
pub(crate) fn string_to_sign(
    timestamp: &str,
    date: &str,
    service: &str,
    canonical: &str,
) -> String {
    format!(
        "{ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        sha256_hex(canonical.as_bytes())
    )
}

/// Hex signature with the derived key chain `TC3`+key → date → service → `tc3_request`.
pub(crate) fn signature(
    secret_key: &str,
    date: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let k_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let k_service = hmac_sha256(&k_date, service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"tc3_request");
    hex::encode(hmac_sha256(&k_signing, string_to_sign.as_bytes()))
}

/// The UTC date (`YYYY-MM-DD`) of a Unix timestamp: the scope date TC3 requires.
pub(crate) fn utc_date(timestamp: i64) -> Option<String> {
    let time = time::OffsetDateTime::from_unix_timestamp(timestamp).ok()?;
    let date = time.date();
    Some(format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    ))
}
