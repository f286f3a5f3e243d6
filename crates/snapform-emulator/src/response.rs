//! The JSON answers both the API and the control routes send.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

/// A JSON answer with `Content-Type: application/json`, exactly what Tencent sends (its SDK
/// only looks for errors in a body of that exact type).
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A JSON answer as Alibaba's gateway sends it.
pub(crate) fn alibaba_response(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = json_response(status, body);
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}
