//! A small test-only client: raw HTTP/1.1 over a fresh loopback connection, plus TC3, ACS3 and
//! RPC V1 signing written here for the tests (shared with nothing, on purpose).

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use snapform_emulator::{
    Clock, DEFAULT_ALICLOUD_ACCESS_KEY_ID, DEFAULT_ALICLOUD_ACCESS_KEY_SECRET,
    DEFAULT_TENCENTCLOUD_SECRET_ID, DEFAULT_TENCENTCLOUD_SECRET_KEY, Inventory, ManualClock,
};

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn enc(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Value,
}

/// What went wrong on the wire (connection closed without an answer, ...).
#[derive(Debug)]
pub struct WireError(#[allow(dead_code)] pub String);

/// A raw request.
pub struct Raw {
    pub method: &'static str,
    pub path_and_query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Sends one request on a new connection.
pub async fn send(addr: SocketAddr, raw: Raw) -> Result<Answer, WireError> {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|error| WireError(error.to_string()))?;
    send_on(stream, addr, raw).await
}

/// Sends one request on an open connection (plain or TLS) to `addr`.
pub async fn send_on<I>(io: I, addr: SocketAddr, raw: Raw) -> Result<Answer, WireError>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|error| WireError(error.to_string()))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut builder = hyper::Request::builder()
        .method(raw.method)
        .uri(raw.path_and_query);
    let has_host = raw
        .headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"));
    if !has_host {
        builder = builder.header("host", addr.to_string());
    }
    for (name, value) in &raw.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder
        .body(Full::new(Bytes::from(raw.body)))
        .expect("valid request");
    let response = sender
        .send_request(request)
        .await
        .map_err(|error| WireError(error.to_string()))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|error| WireError(error.to_string()))?
        .to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Signs with the default keys and the given clock.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub clock: Option<ManualClock>,
    pub secret_id: String,
    pub secret_key: String,
    pub access_key_id: String,
    pub access_key_secret: String,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            clock: None,
            secret_id: DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned(),
            secret_key: DEFAULT_TENCENTCLOUD_SECRET_KEY.to_owned(),
            access_key_id: DEFAULT_ALICLOUD_ACCESS_KEY_ID.to_owned(),
            access_key_secret: DEFAULT_ALICLOUD_ACCESS_KEY_SECRET.to_owned(),
        }
    }

    pub fn with_clock(mut self, clock: &ManualClock) -> Self {
        self.clock = Some(clock.clone());
        self
    }

    pub fn now(&self) -> SystemTime {
        self.clock.as_ref().map_or_else(SystemTime::now, Clock::now)
    }

    fn unix(&self) -> i64 {
        i64::try_from(
            self.now()
                .duration_since(UNIX_EPOCH)
                .expect("after 1970")
                .as_secs(),
        )
        .expect("fits")
    }

    /// A TC3-signed request; `timestamp` defaults to the client's clock.
    pub fn tc3_raw(
        &self,
        service: &str,
        action: &str,
        region: &str,
        body: &str,
        timestamp: Option<i64>,
    ) -> Raw {
        let host = self.addr.to_string();
        self.tc3_raw_signing_host(service, action, region, body, timestamp, &host)
    }

    /// A TC3-signed request whose signature covers `signed_host` in place of the `Host`
    /// header it sends (`127.0.0.1:PORT`).
    pub fn tc3_raw_signing_host(
        &self,
        service: &str,
        action: &str,
        region: &str,
        body: &str,
        timestamp: Option<i64>,
        signed_host: &str,
    ) -> Raw {
        let timestamp = timestamp.unwrap_or_else(|| self.unix());
        let host = self.addr.to_string();
        let date = {
            let time = time::OffsetDateTime::from_unix_timestamp(timestamp).expect("valid");
            format!(
                "{:04}-{:02}-{:02}",
                time.year(),
                u8::from(time.month()),
                time.day()
            )
        };
        let canonical = format!(
            "POST\n/\n\ncontent-type:application/json\nhost:{signed_host}\n\ncontent-type;host\n{}",
            sha256_hex(body.as_bytes())
        );
        let scope = format!("{date}/{service}/tc3_request");
        let string_to_sign = format!(
            "TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{}",
            sha256_hex(canonical.as_bytes())
        );
        let k_date = hmac256(
            format!("TC3{}", self.secret_key).as_bytes(),
            date.as_bytes(),
        );
        let k_service = hmac256(&k_date, service.as_bytes());
        let k_signing = hmac256(&k_service, b"tc3_request");
        let signature = hex::encode(hmac256(&k_signing, string_to_sign.as_bytes()));
        let version = if service == "cbs" {
            "2017-03-12"
        } else {
            "2020-03-24"
        };
        Raw {
            method: "POST",
            path_and_query: "/".to_owned(),
            headers: vec![
                ("Host".to_owned(), host),
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("X-TC-Action".to_owned(), action.to_owned()),
                ("X-TC-Version".to_owned(), version.to_owned()),
                ("X-TC-Region".to_owned(), region.to_owned()),
                ("X-TC-Timestamp".to_owned(), timestamp.to_string()),
                (
                    "Authorization".to_owned(),
                    format!(
                        "TC3-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=content-type;host, Signature={signature}",
                        self.secret_id
                    ),
                ),
            ],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Calls a Tencent action and returns the `Response` object.
    pub async fn tc(&self, service: &str, action: &str, region: &str, params: Value) -> Value {
        let raw = self.tc3_raw(service, action, region, &params.to_string(), None);
        let answer = send(self.addr, raw).await.expect("an answer");
        assert_eq!(
            answer.status, 200,
            "Tencent always answers 200: {:?}",
            answer.body
        );
        answer.body["Response"].clone()
    }

    /// Calls a Tencent action that must succeed.
    pub async fn tc_ok(&self, service: &str, action: &str, region: &str, params: Value) -> Value {
        let response = self.tc(service, action, region, params).await;
        assert!(
            response.get("Error").is_none(),
            "{action} failed: {response}"
        );
        assert!(response["RequestId"].is_string());
        response
    }

    /// The error code of a Tencent action that must fail.
    pub async fn tc_err(&self, service: &str, action: &str, region: &str, params: Value) -> String {
        let response = self.tc(service, action, region, params).await;
        response["Error"]["Code"]
            .as_str()
            .unwrap_or_else(|| panic!("{action} should fail: {response}"))
            .to_owned()
    }

    /// An ACS3-signed request with every parameter in the query.
    pub fn acs3_raw(
        &self,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
        nonce: &str,
    ) -> Raw {
        let host = self.addr.to_string();
        let date = {
            let time = time::OffsetDateTime::from_unix_timestamp(self.unix()).expect("valid");
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                time.year(),
                u8::from(time.month()),
                time.day(),
                time.hour(),
                time.minute(),
                time.second()
            )
        };
        let mut sorted: Vec<(String, String)> = params
            .iter()
            .map(|(name, value)| (enc(name), enc(value)))
            .collect();
        sorted.sort();
        let query = sorted
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("&");
        let empty = sha256_hex(b"");
        let headers = [
            ("host", host.clone()),
            ("x-acs-action", action.to_owned()),
            ("x-acs-content-sha256", empty.clone()),
            ("x-acs-date", date),
            ("x-acs-signature-nonce", nonce.to_owned()),
            ("x-acs-version", version.to_owned()),
        ];
        let canonical_headers: String = headers
            .iter()
            .map(|(name, value)| format!("{name}:{value}\n"))
            .collect();
        let signed = headers
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(";");
        let canonical = format!("POST\n/\n{query}\n{canonical_headers}\n{signed}\n{empty}");
        let string_to_sign = format!("ACS3-HMAC-SHA256\n{}", sha256_hex(canonical.as_bytes()));
        let signature = hex::encode(hmac256(
            self.access_key_secret.as_bytes(),
            string_to_sign.as_bytes(),
        ));
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        all.push((
            "authorization".to_owned(),
            format!(
                "ACS3-HMAC-SHA256 Credential={},SignedHeaders={signed},Signature={signature}",
                self.access_key_id
            ),
        ));
        Raw {
            method: "POST",
            path_and_query: format!("/?{query}"),
            headers: all,
            body: Vec::new(),
        }
    }

    /// Calls an Alibaba action (ACS3) and returns the HTTP status and the body.
    pub async fn ali(&self, version: &str, action: &str, params: &[(&str, &str)]) -> (u16, Value) {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let answer = send(self.addr, self.acs3_raw(version, action, params, &nonce))
            .await
            .expect("an answer");
        (answer.status, answer.body)
    }

    pub async fn ecd(&self, action: &str, params: &[(&str, &str)]) -> (u16, Value) {
        self.ali("2020-09-30", action, params).await
    }

    pub async fn ens(&self, action: &str, params: &[(&str, &str)]) -> (u16, Value) {
        self.ali("2017-11-10", action, params).await
    }

    /// An RPC V1 (HMAC-SHA1) signed GET.
    pub fn v1_raw(&self, version: &str, action: &str, params: &[(&str, &str)], nonce: &str) -> Raw {
        let timestamp = {
            let time = time::OffsetDateTime::from_unix_timestamp(self.unix()).expect("valid");
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                time.year(),
                u8::from(time.month()),
                time.day(),
                time.hour(),
                time.minute(),
                time.second()
            )
        };
        let mut all: Vec<(String, String)> = params
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        for (name, value) in [
            ("Action", action),
            ("Version", version),
            ("Format", "JSON"),
            ("AccessKeyId", self.access_key_id.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", nonce),
            ("Timestamp", timestamp.as_str()),
        ] {
            all.push((name.to_owned(), value.to_owned()));
        }
        let mut encoded: Vec<(String, String)> = all
            .iter()
            .map(|(name, value)| (enc(name), enc(value)))
            .collect();
        encoded.sort();
        let canonical = encoded
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("&");
        let string_to_sign = format!("GET&%2F&{}", enc(&canonical));
        let mut mac =
            Hmac::<sha1::Sha1>::new_from_slice(format!("{}&", self.access_key_secret).as_bytes())
                .expect("any key");
        mac.update(string_to_sign.as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        Raw {
            method: "GET",
            path_and_query: format!("/?{canonical}&Signature={}", enc(&signature)),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Replaces the emulator's inventory; the emulator must accept it.
    pub async fn put_inventory(&self, inventory: &Inventory) {
        let answer = self
            .control(
                "PUT",
                "inventory",
                Some(serde_json::to_value(inventory).expect("inventory serialises")),
            )
            .await;
        assert_eq!(answer.status, 200, "PUT inventory: {:?}", answer.body);
    }

    /// A control API call.
    pub async fn control(&self, method: &'static str, path: &str, body: Option<Value>) -> Answer {
        send(
            self.addr,
            Raw {
                method,
                path_and_query: format!("/_emulator/{path}"),
                headers: vec![("content-type".to_owned(), "application/json".to_owned())],
                body: body
                    .map(|body| body.to_string().into_bytes())
                    .unwrap_or_default(),
            },
        )
        .await
        .expect("control answer")
    }
}
