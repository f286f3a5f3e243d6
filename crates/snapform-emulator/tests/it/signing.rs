//! Signature verification over HTTP: every SDK-made vector is accepted byte for byte, and every
//! kind of bad request gets the cloud's own auth code.

use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use snapform_emulator::{AlicloudKey, EmulatorConfig, KeyTable, ManualClock, TencentKey};

use crate::client::{Raw, send};
use crate::support::{config, start, start_with};

fn vectors(name: &str) -> Vec<Value> {
    let path = format!("{}/testdata/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("vector file");
    let file: Value = serde_json::from_str(&text).expect("json");
    file["cases"].as_array().expect("cases").clone()
}

fn vector_keys() -> KeyTable {
    let tc = &vectors("tc3-hmac-sha256.json")[0]["inputs"];
    let ali = &vectors("acs3-hmac-sha256.json")[0]["inputs"];
    let mut keys = KeyTable {
        tencentcloud: vec![TencentKey {
            secret_id: tc["secret_id"].as_str().expect("id").to_owned(),
            secret_key: tc["secret_key"].as_str().expect("key").to_owned(),
        }],
        alicloud: vec![AlicloudKey {
            access_key_id: ali["access_key_id"].as_str().expect("id").to_owned(),
            access_key_secret: ali["access_key_secret"]
                .as_str()
                .expect("secret")
                .to_owned(),
        }],
    };
    // The STS cases sign with an `STS.` access key id of their own.
    for file in ["acs3-hmac-sha256.json", "acs-rpc-v1-hmac-sha1.json"] {
        for case in vectors(file) {
            let inputs = &case["inputs"];
            let id = inputs["access_key_id"].as_str().expect("id").to_owned();
            if !keys.alicloud.iter().any(|key| key.access_key_id == id) {
                keys.alicloud.push(AlicloudKey {
                    access_key_id: id,
                    access_key_secret: inputs["access_key_secret"]
                        .as_str()
                        .expect("secret")
                        .to_owned(),
                });
            }
        }
    }
    keys
}

fn raw_of(case: &Value) -> Raw {
    let request = &case["request"];
    let query = request["query"].as_str().expect("query");
    let method = match request["method"].as_str().expect("method") {
        "GET" => "GET",
        _ => "POST",
    };
    Raw {
        method,
        path_and_query: if query.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{query}")
        },
        headers: request["headers"]
            .as_array()
            .expect("headers")
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().expect("name").to_owned(),
                    pair[1].as_str().expect("value").to_owned(),
                )
            })
            .collect(),
        body: request["body"].as_str().expect("body").as_bytes().to_vec(),
    }
}

fn parse_utc(text: &str) -> SystemTime {
    let time = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .expect("RFC 3339 time");
    SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(time.unix_timestamp()).expect("after 1970"))
}

/// What a correctly signed vector may get: success, or a code the emulator only gives once the
/// signature was accepted (the vectors name actions, disks and instances it does not have).
const AFTER_TC3_SIGNATURE: &[&str] = &[
    "",
    "InvalidAction",
    "InvalidDiskId.NotFound",
    "ResourceNotFound.InstanceIdNotFound",
];

const AUTH_CODES: &[&str] = &[
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidAccessKeyId.NotFound",
    "InvalidTimeStamp.Expired",
    "InvalidTimeStamp.Format",
    "SignatureNonceUsed",
    "MissingSignature",
    "InvalidSignatureMethod",
];

#[tokio::test]
async fn every_sdk_vector_is_accepted_over_http() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH);
    let emulator_config = EmulatorConfig {
        keys: vector_keys(),
        ..config(&clock)
    };
    let (emulator, client, clock) = start_with(emulator_config, clock).await;
    let mut checked = 0;
    for case in vectors("tc3-hmac-sha256.json") {
        let id = case["id"].as_str().expect("id");
        let timestamp = case["inputs"]["timestamp"].as_u64().expect("timestamp");
        clock.set(SystemTime::UNIX_EPOCH + Duration::from_secs(timestamp));
        let answer = send(emulator.addr(), raw_of(&case)).await.expect("answer");
        let code = answer.body["Response"]["Error"]["Code"]
            .as_str()
            .unwrap_or("");
        assert!(AFTER_TC3_SIGNATURE.contains(&code), "{id}: {}", answer.body);
        assert!(answer.body["Response"]["RequestId"].is_string(), "{id}");
        checked += 1;
    }
    for (file, time_of) in [
        ("acs3-hmac-sha256.json", "acs3"),
        ("acs-rpc-v1-hmac-sha1.json", "v1"),
    ] {
        for case in vectors(file) {
            let id = case["id"].as_str().expect("id");
            let signed_at = if time_of == "acs3" {
                case["inputs"]["headers"]
                    .as_array()
                    .expect("headers")
                    .iter()
                    .find(|pair| pair[0] == "x-acs-date")
                    .and_then(|pair| pair[1].as_str())
                    .expect("x-acs-date")
                    .to_owned()
            } else {
                case["inputs"]["timestamp"]
                    .as_str()
                    .expect("timestamp")
                    .to_owned()
            };
            clock.set(parse_utc(&signed_at));
            // Some cases share a nonce; a reset forgets the nonces seen.
            client.control("POST", "reset", None).await;
            let answer = send(emulator.addr(), raw_of(&case)).await.expect("answer");
            let code = answer.body["Code"].as_str().unwrap_or("");
            assert!(!AUTH_CODES.contains(&code), "{id}: {}", answer.body);
            assert!(answer.body["RequestId"].is_string(), "{id}");
            checked += 1;
        }
    }
    assert_eq!(checked, 13 + 15 + 9);
    emulator.shutdown().await;
}

#[tokio::test]
async fn tencent_auth_failures_get_tencent_codes() {
    let (emulator, client, _clock) = start().await;
    let body = "{}";
    let mut wrong_key = client.clone();
    wrong_key.secret_key = "not-the-key".to_owned();
    let mut unknown_id = client.clone();
    unknown_id.secret_id = "AKIDunknown".to_owned();
    let now = client
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let now = i64::try_from(now).expect("fits");
    let cases: Vec<(Raw, &str)> = vec![
        (
            wrong_key.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", body, None),
            "AuthFailure.SignatureFailure",
        ),
        (
            unknown_id.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", body, None),
            "AuthFailure.SecretIdNotFound",
        ),
        (
            client.tc3_raw(
                "cbs",
                "DescribeDisks",
                "ap-guangzhou",
                body,
                Some(now - 301),
            ),
            "AuthFailure.SignatureExpire",
        ),
        (
            client.tc3_raw(
                "cbs",
                "DescribeDisks",
                "ap-guangzhou",
                body,
                Some(now + 301),
            ),
            "AuthFailure.SignatureExpire",
        ),
        (
            {
                let mut raw = client.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", body, None);
                raw.body = br#"{"Limit": 1}"#.to_vec();
                raw
            },
            "AuthFailure.SignatureFailure",
        ),
        (
            {
                let mut raw = client.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", body, None);
                raw.headers.retain(|(name, _)| name != "Authorization");
                raw
            },
            "AuthFailure.InvalidAuthorization",
        ),
        (
            {
                let mut raw = client.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", body, None);
                raw.headers.retain(|(name, _)| name != "X-TC-Timestamp");
                raw
            },
            "MissingParameter",
        ),
        (
            {
                let mut raw = client.tc3_raw("cbs", "DescribeDisks", "ap-guangzhou", body, None);
                for (name, value) in &mut raw.headers {
                    if name == "X-TC-Version" {
                        *value = "2099-01-01".to_owned();
                    }
                }
                raw
            },
            "NoSuchVersion",
        ),
        (
            client.tc3_raw("cbs", "RunInstances", "ap-guangzhou", body, None),
            "InvalidAction",
        ),
        (
            client.tc3_raw("cbs", "DescribeDisks", "mars-north-1", body, None),
            "UnsupportedRegion",
        ),
        (
            client.tc3_raw(
                "cbs",
                "DescribeDisks",
                "ap-guangzhou",
                r#"{"Bogus": 1}"#,
                None,
            ),
            "UnknownParameter",
        ),
    ];
    for (raw, expected) in cases {
        let answer = send(emulator.addr(), raw).await.expect("answer");
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.body["Response"]["Error"]["Code"], expected,
            "{}",
            answer.body
        );
        assert!(answer.body["Response"]["RequestId"].is_string());
    }
    emulator.shutdown().await;
}

/// Sets one header of a raw request.
fn set_header(raw: &mut Raw, name: &str, value: &str) {
    for (header, old) in &mut raw.headers {
        if header.eq_ignore_ascii_case(name) {
            *old = value.to_owned();
        }
    }
}

/// Issue 16: the Tencent Node.js SDK takes the scope's service from the endpoint's host, so it
/// signs `127` for `127.0.0.1:PORT`, and signs the host without its port. Such requests are
/// routed by version and action, and their signature is still checked over the scope they sent.
#[tokio::test]
async fn issue_16_a_scope_service_taken_from_the_host_is_routed_by_version_and_action() {
    let (emulator, client, _clock) = start().await;
    let code = |answer: crate::client::Answer| {
        assert_eq!(answer.status, 200);
        answer.body["Response"]["Error"]["Code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let mut cbs = client.tc3_raw("127", "DescribeDisks", "ap-guangzhou", "{}", None);
    set_header(&mut cbs, "X-TC-Version", "2017-03-12");
    let answer = send(emulator.addr(), cbs).await.expect("answer");
    assert!(
        answer.body["Response"]["DiskSet"].is_array(),
        "{}",
        answer.body
    );

    let lighthouse = client.tc3_raw("127", "DescribeInstances", "ap-guangzhou", "{}", None);
    let answer = send(emulator.addr(), lighthouse).await.expect("answer");
    assert!(
        answer.body["Response"]["InstanceSet"].is_array(),
        "{}",
        answer.body
    );

    // The signature covers the scope the client sent: claiming another service breaks it.
    let mut forged = client.tc3_raw("127", "DescribeDisks", "ap-guangzhou", "{}", None);
    set_header(&mut forged, "X-TC-Version", "2017-03-12");
    for (name, value) in &mut forged.headers {
        if name == "Authorization" {
            *value = value.replace("/127/", "/cbs/");
        }
    }
    let answer = send(emulator.addr(), forged).await.expect("answer");
    assert_eq!(code(answer), "AuthFailure.SignatureFailure");

    let mut wrong_key = client.clone();
    wrong_key.secret_key = "not-the-key".to_owned();
    let mut wrong = wrong_key.tc3_raw("127", "DescribeDisks", "ap-guangzhou", "{}", None);
    set_header(&mut wrong, "X-TC-Version", "2017-03-12");
    let answer = send(emulator.addr(), wrong).await.expect("answer");
    assert_eq!(code(answer), "AuthFailure.SignatureFailure");

    // The Node.js SDK also signs the host name without its port; only that variant passes.
    for (signed_host, expected) in [
        ("127.0.0.1", ""),
        ("127.0.0.2", "AuthFailure.SignatureFailure"),
        ("127.0.0.1:1", "AuthFailure.SignatureFailure"),
    ] {
        let mut raw = client.tc3_raw_signing_host(
            "127",
            "DescribeDisks",
            "ap-guangzhou",
            "{}",
            None,
            signed_host,
        );
        set_header(&mut raw, "X-TC-Version", "2017-03-12");
        let answer = send(emulator.addr(), raw).await.expect("answer");
        assert_eq!(code(answer), expected, "signed host {signed_host}");
    }

    // No served service has this version and action.
    let mut unknown = client.tc3_raw("127", "RunInstances", "ap-guangzhou", "{}", None);
    set_header(&mut unknown, "X-TC-Version", "2017-03-12");
    let answer = send(emulator.addr(), unknown).await.expect("answer");
    assert_eq!(code(answer), "AuthFailure.InvalidAuthorization");
    let mut unversioned = client.tc3_raw("127", "DescribeDisks", "ap-guangzhou", "{}", None);
    unversioned
        .headers
        .retain(|(name, _)| name != "X-TC-Version");
    let answer = send(emulator.addr(), unversioned).await.expect("answer");
    assert_eq!(code(answer), "MissingParameter");
    emulator.shutdown().await;
}

#[tokio::test]
async fn alibaba_auth_failures_get_alibaba_codes() {
    let (emulator, client, clock) = start().await;
    let params = [("RegionId", "cn-hangzhou")];
    let mut wrong_secret = client.clone();
    wrong_secret.access_key_secret = "nope".to_owned();
    let mut unknown = client.clone();
    unknown.access_key_id = "LTAIunknown".to_owned();
    let expect = |answer: crate::client::Answer, status: u16, code: &str| {
        assert_eq!(answer.status, status, "{}", answer.body);
        if code.is_empty() {
            assert!(answer.body.get("Code").is_none(), "{}", answer.body);
        } else {
            assert_eq!(answer.body["Code"], code, "{}", answer.body);
            assert!(answer.body["HostId"].is_string());
        }
        assert!(answer.body["RequestId"].is_string());
    };
    let send_raw = |raw| send(emulator.addr(), raw);
    expect(
        send_raw(wrong_secret.acs3_raw("2020-09-30", "DescribeDesktops", &params, "n1"))
            .await
            .expect("answer"),
        400,
        "SignatureDoesNotMatch",
    );
    expect(
        send_raw(unknown.acs3_raw("2020-09-30", "DescribeDesktops", &params, "n2"))
            .await
            .expect("answer"),
        404,
        "InvalidAccessKeyId.NotFound",
    );
    expect(
        send_raw(wrong_secret.v1_raw("2020-09-30", "DescribeDesktops", &params, "n3"))
            .await
            .expect("answer"),
        400,
        "SignatureDoesNotMatch",
    );
    expect(
        send_raw(unknown.v1_raw("2020-09-30", "DescribeDesktops", &params, "n4"))
            .await
            .expect("answer"),
        404,
        "InvalidAccessKeyId.NotFound",
    );
    // A nonce is single use.
    expect(
        send_raw(client.acs3_raw("2020-09-30", "DescribeDesktops", &params, "same"))
            .await
            .expect("answer"),
        200,
        "",
    );
    expect(
        send_raw(client.acs3_raw("2020-09-30", "DescribeDesktops", &params, "same"))
            .await
            .expect("answer"),
        400,
        "SignatureNonceUsed",
    );
    expect(
        send_raw(client.v1_raw("2020-09-30", "DescribeDesktops", &params, "v1same"))
            .await
            .expect("answer"),
        200,
        "",
    );
    expect(
        send_raw(client.v1_raw("2020-09-30", "DescribeDesktops", &params, "v1same"))
            .await
            .expect("answer"),
        400,
        "SignatureNonceUsed",
    );
    // Tampering with the query after signing.
    let mut raw = client.acs3_raw("2020-09-30", "DescribeDesktops", &params, "n5");
    raw.path_and_query.push_str("&MaxResults=5");
    expect(
        send_raw(raw).await.expect("answer"),
        400,
        "SignatureDoesNotMatch",
    );
    // An x-acs header left out of the signature.
    let mut raw = client.acs3_raw("2020-09-30", "DescribeDesktops", &params, "n6");
    for (name, value) in &mut raw.headers {
        if name == "authorization" {
            *value = value.replace("x-acs-date;", "");
        }
    }
    expect(
        send_raw(raw).await.expect("answer"),
        400,
        "IncompleteSignature",
    );
    // No signature at all.
    let raw = Raw {
        method: "GET",
        path_and_query: "/?Action=DescribeDesktops&Version=2020-09-30&RegionId=cn-hangzhou"
            .to_owned(),
        headers: Vec::new(),
        body: Vec::new(),
    };
    expect(
        send_raw(raw).await.expect("answer"),
        400,
        "MissingSignature",
    );
    // Signed six minutes ago.
    let old = client.acs3_raw("2020-09-30", "DescribeDesktops", &params, "n7");
    clock.advance(Duration::from_secs(360));
    expect(
        send_raw(old).await.expect("answer"),
        400,
        "InvalidTimeStamp.Expired",
    );
    // Unknown action and version.
    expect(
        send_raw(client.acs3_raw("2020-09-30", "RunCommand", &params, "n8"))
            .await
            .expect("answer"),
        404,
        "InvalidAction.NotFound",
    );
    expect(
        send_raw(client.acs3_raw("2099-01-01", "DescribeDesktops", &params, "n9"))
            .await
            .expect("answer"),
        400,
        "InvalidVersion",
    );
    // ECD needs a region.
    expect(
        send_raw(client.acs3_raw("2020-09-30", "DescribeDesktops", &[], "n10"))
            .await
            .expect("answer"),
        400,
        "MissingRegionId",
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_key_file_replaces_the_default_keys() {
    let clock = crate::support::clock();
    let keys = KeyTable {
        tencentcloud: vec![TencentKey {
            secret_id: "AKIDcustom".to_owned(),
            secret_key: "custom".to_owned(),
        }],
        alicloud: Vec::new(),
    };
    let (emulator, client, _clock) = start_with(
        EmulatorConfig {
            keys,
            ..config(&clock)
        },
        clock,
    )
    .await;
    assert_eq!(
        client
            .tc_err("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
            .await,
        "AuthFailure.SecretIdNotFound"
    );
    let mut custom = client.clone();
    custom.secret_id = "AKIDcustom".to_owned();
    custom.secret_key = "custom".to_owned();
    custom
        .tc_ok("cbs", "DescribeDisks", "ap-guangzhou", json!({}))
        .await;
    let (status, body) = client
        .ecd("DescribeDesktops", &[("RegionId", "cn-hangzhou")])
        .await;
    assert_eq!(
        (status, body["Code"].as_str()),
        (404, Some("InvalidAccessKeyId.NotFound"))
    );
    emulator.shutdown().await;
}
