//! Every case of the SDK-made vectors (`testdata/vectors`, copied from `shared/vectors`)
//! recomputed from the request as it would arrive, plus a tampered copy that must not match.

use serde_json::Value;

use super::{acs3, constant_time_eq, decode_form, rpc_v1, sha256_hex, tc3};

fn load(text: &str) -> Vec<Value> {
    let file: Value = serde_json::from_str(text).expect("vector file is JSON");
    file["cases"].as_array().expect("cases").clone()
}

fn str_of<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    let mut current = value;
    for key in path {
        current = &current[*key];
    }
    current
        .as_str()
        .unwrap_or_else(|| panic!("{path:?} is a string"))
}

fn header<'a>(request: &'a Value, name: &str) -> Option<&'a str> {
    request["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .find(|pair| {
            pair[0]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|pair| pair[1].as_str())
}

#[test]
fn tc3_vectors() {
    let cases = load(include_str!("../../testdata/vectors/tc3-hmac-sha256.json"));
    assert_eq!(cases.len(), 13);
    for case in &cases {
        let id = str_of(case, &["id"]);
        let request = &case["request"];
        let authorization =
            tc3::parse_authorization(header(request, "authorization").expect("auth"))
                .unwrap_or_else(|| panic!("{id}: authorization parses"));
        let body = str_of(request, &["body"]);
        let payload_hash = sha256_hex(body.as_bytes());
        assert_eq!(
            payload_hash,
            str_of(case, &["outputs", "hashed_request_payload"]),
            "{id}"
        );
        let canonical = tc3::canonical_request(
            str_of(request, &["method"]),
            str_of(request, &["query"]),
            &authorization.signed_headers,
            |name| header(request, name),
            &payload_hash,
        );
        assert_eq!(
            canonical,
            str_of(case, &["outputs", "canonical_request"]),
            "{id}"
        );
        let timestamp = header(request, "x-tc-timestamp").expect("timestamp");
        let date = tc3::utc_date(timestamp.parse().expect("numeric timestamp")).expect("date");
        assert_eq!(date, authorization.date, "{id}: scope date is the UTC date");
        let string_to_sign =
            tc3::string_to_sign(timestamp, &date, authorization.service, &canonical);
        assert_eq!(
            string_to_sign,
            str_of(case, &["outputs", "string_to_sign"]),
            "{id}"
        );
        let secret = str_of(case, &["inputs", "secret_key"]);
        let signature = tc3::signature(secret, &date, authorization.service, &string_to_sign);
        assert!(
            constant_time_eq(signature.as_bytes(), authorization.signature.as_bytes()),
            "{id}"
        );
        let tampered = tc3::canonical_request(
            str_of(request, &["method"]),
            str_of(request, &["query"]),
            &authorization.signed_headers,
            |name| header(request, name),
            &sha256_hex(format!("{body} ").as_bytes()),
        );
        let tampered = tc3::signature(
            secret,
            &date,
            authorization.service,
            &tc3::string_to_sign(timestamp, &date, authorization.service, &tampered),
        );
        assert_ne!(tampered, authorization.signature, "{id}: tampered body");
    }
}

#[test]
fn acs3_vectors() {
    let cases = load(include_str!("../../testdata/vectors/acs3-hmac-sha256.json"));
    assert_eq!(cases.len(), 15);
    for case in &cases {
        let id = str_of(case, &["id"]);
        let request = &case["request"];
        let authorization =
            acs3::parse_authorization(header(request, "authorization").expect("auth"))
                .unwrap_or_else(|| panic!("{id}: authorization parses"));
        assert_eq!(
            authorization.access_key_id,
            str_of(case, &["inputs", "access_key_id"]),
            "{id}"
        );
        let body = str_of(request, &["body"]);
        let payload_hash = sha256_hex(body.as_bytes());
        assert_eq!(
            Some(payload_hash.as_str()),
            header(request, "x-acs-content-sha256"),
            "{id}"
        );
        let pairs = decode_form(str_of(request, &["query"]));
        let query = acs3::canonical_query(&pairs);
        assert_eq!(
            query,
            str_of(case, &["outputs", "canonical_query_string"]),
            "{id}"
        );
        let canonical = acs3::canonical_request(
            str_of(request, &["method"]),
            str_of(request, &["path"]),
            &query,
            &authorization.signed_headers,
            |name| header(request, name),
            &payload_hash,
        );
        assert_eq!(
            canonical,
            str_of(case, &["outputs", "canonical_request"]),
            "{id}"
        );
        let string_to_sign = acs3::string_to_sign(&canonical);
        let secret = str_of(case, &["inputs", "access_key_secret"]);
        let signature = acs3::signature(secret, &string_to_sign);
        assert_eq!(signature, authorization.signature, "{id}");
        let mut tampered_pairs = pairs.clone();
        tampered_pairs.push(("Extra".to_owned(), "1".to_owned()));
        let tampered = acs3::canonical_request(
            str_of(request, &["method"]),
            str_of(request, &["path"]),
            &acs3::canonical_query(&tampered_pairs),
            &authorization.signed_headers,
            |name| header(request, name),
            &payload_hash,
        );
        assert_ne!(
            acs3::signature(secret, &acs3::string_to_sign(&tampered)),
            authorization.signature,
            "{id}: tampered query"
        );
    }
}

#[test]
fn rpc_v1_vectors() {
    let cases = load(include_str!(
        "../../testdata/vectors/acs-rpc-v1-hmac-sha1.json"
    ));
    assert_eq!(cases.len(), 9);
    for case in &cases {
        let id = str_of(case, &["id"]);
        let request = &case["request"];
        let mut params = decode_form(str_of(request, &["query"]));
        params.extend(decode_form(str_of(request, &["body"])));
        let sent = params
            .iter()
            .find(|(name, _)| name == "Signature")
            .map(|(_, value)| value.clone())
            .expect("signature parameter");
        let canonicalized = rpc_v1::canonicalized_query(&params);
        assert_eq!(
            canonicalized,
            str_of(case, &["outputs", "canonicalized_query_string"]),
            "{id}"
        );
        let string_to_sign = rpc_v1::string_to_sign(str_of(request, &["method"]), &canonicalized);
        assert_eq!(
            string_to_sign,
            str_of(case, &["outputs", "string_to_sign"]),
            "{id}"
        );
        let secret = str_of(case, &["inputs", "access_key_secret"]);
        assert_eq!(rpc_v1::signature(secret, &string_to_sign), sent, "{id}");
        assert_ne!(
            rpc_v1::signature(&format!("{secret}x"), &string_to_sign),
            sent,
            "{id}: wrong secret"
        );
    }
}

#[test]
fn authorization_parsing_refuses_garbage() {
    assert!(
        tc3::parse_authorization(
            "TC3-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=x, Signature=y"
        )
        .is_none()
    );
    assert!(tc3::parse_authorization("Basic abc").is_none());
    assert!(
        tc3::parse_authorization("TC3-HMAC-SHA256 Credential=a/2024-01-01/cbs/tc3_request")
            .is_none()
    );
    assert!(
        acs3::parse_authorization("ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=x")
            .is_none()
    );
    assert!(
        acs3::parse_authorization("ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host").is_none()
    );
    let parsed = acs3::parse_authorization(
        "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=ff",
    )
    .expect("valid");
    assert_eq!(parsed.signed_headers, ["host", "x-acs-date"]);
}
