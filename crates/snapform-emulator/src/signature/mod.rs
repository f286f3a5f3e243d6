//! Signature computation for the three schemes the emulator verifies: Tencent TC3-HMAC-SHA256,
//! Alibaba ACS3-HMAC-SHA256 (signature V3) and Alibaba RPC V1 (HMAC-SHA1 query signature).
//!
//! This module only computes canonical forms and signatures from the request as received;
//! deciding which error code a failure gets belongs to the wire modules (`api::tencent`,
//! `api::alibaba`). It shares no code with snapform's signers on purpose: a bug copied to both
//! sides of the wire would be invisible. `tests.rs` replays every case of the SDK-made vectors.

pub(crate) mod acs3;
pub(crate) mod rpc_v1;
pub(crate) mod tc3;

#[cfg(test)]
mod tests;

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// Characters left as they are by RFC 3986 encoding: `A-Z a-z 0-9 - _ . ~`.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Lower-case hex SHA-256.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

pub(crate) fn hmac_sha1(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Compares two signatures without an early exit, so timing does not leak how much matched.
pub(crate) fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// RFC 3986 percent-encoding with upper-case hex (space is `%20`, `*` is `%2A`, `~` is kept).
pub(crate) fn rfc3986(text: &str) -> String {
    utf8_percent_encode(text, RFC3986).to_string()
}

/// Decodes an `application/x-www-form-urlencoded` string (query or body) into pairs, in order.
/// `+` is a space; invalid UTF-8 is replaced rather than refused.
pub(crate) fn decode_form(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(name), decode_component(value))
        })
        .collect()
}

fn decode_component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}
