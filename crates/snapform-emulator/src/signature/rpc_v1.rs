//! Alibaba Cloud RPC signature V1: `HMAC-SHA1` over the sorted parameters.

use base64::Engine as _;

use super::{hmac_sha1, rfc3986};

/// Every signed parameter (query plus form body, without `Signature`), sorted by name,
/// `enc(name)=enc(value)` joined with `&`.
pub(crate) fn canonicalized_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .filter(|(name, _)| name != "Signature")
        .map(|(name, value)| (rfc3986(name), rfc3986(value)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD&%2F&enc(canonicalized)`: the canonicalized string is encoded a second time.
pub(crate) fn string_to_sign(method: &str, canonicalized: &str) -> String {
    format!("{method}&{}&{}", rfc3986("/"), rfc3986(canonicalized))
}

/// Base64 HMAC-SHA1 with the key `secret&`.
pub(crate) fn signature(secret: &str, string_to_sign: &str) -> String {
    let key = format!("{secret}&");
    base64::engine::general_purpose::STANDARD
        .encode(hmac_sha1(key.as_bytes(), string_to_sign.as_bytes()))
}
