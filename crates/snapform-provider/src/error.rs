//! Errors from the clouds, classified the way retries need them.

use std::time::Duration;

/// How an error should be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The cloud's rate limit (`RequestLimitExceeded`, `Throttling.User`): back off and retry.
    Throttled,
    /// A 5xx, a transport failure or a timeout: back off and retry (creates only if the request
    /// surely did not reach the cloud).
    Transient,
    /// The resource is busy (a snapshot being made, a rollback, an unfinished operation):
    /// wait and retry within the operation's timeout.
    Busy,
    /// What the call was about does not exist.
    NotFound,
    /// Parameter, auth, quota and every other error: fail at once.
    Permanent,
}

/// An error from a cloud API call, with what the cloud said.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{action}: {code}: {message}{}", request_id.as_ref().map(|id| format!(" (request id {id})")).unwrap_or_default())]
pub struct Error {
    /// How to handle it.
    pub kind: ErrorKind,
    /// The API action, such as `CreateDiskBackup`.
    pub action: String,
    /// The cloud's error code, or a snapform code for transport failures (`Transport`,
    /// `Timeout`, `HttpStatus500`).
    pub code: String,
    /// The cloud's message, or what went wrong on the way.
    pub message: String,
    /// The cloud's request id, when it answered.
    pub request_id: Option<String>,
    /// A delay the cloud asked for (`x-acs-retry-after`).
    pub retry_after: Option<Duration>,
    /// Whether the request may have reached the cloud (a timeout or reset after sending).
    pub maybe_applied: bool,
}

impl Error {
    /// An error of `kind` with the cloud's code and message.
    pub fn new(
        kind: ErrorKind,
        action: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        Error {
            kind,
            action: action.into(),
            code: code.into(),
            message: message.into(),
            request_id: None,
            retry_after: None,
            maybe_applied: false,
        }
    }

    /// Adds the cloud's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Error {
        self.request_id = request_id;
        self
    }

    /// A failure on the way to the cloud. If the connection was never made, the request surely
    /// did not reach the cloud and may be sent again; after that (a timeout, a dropped
    /// connection) it may have been carried out. A server certificate the client does not
    /// trust is permanent: sending again cannot help, trusting its CA can.
    pub fn transport(
        action: &str,
        connect_failed: bool,
        timed_out: bool,
        cause: &dyn std::error::Error,
    ) -> Error {
        let chain = error_chain(cause);
        // This crate does no HTTP and has no TLS dependency, so the TLS library's error is
        // known here only by its text; rustls words every certificate failure this way.
        if chain.contains("invalid peer certificate") {
            return Error::new(
                ErrorKind::Permanent,
                action,
                "UntrustedCertificate",
                format!(
                    "the server's certificate is not trusted ({chain}); if the endpoint is the emulator's, trust its CA with the provider's ca_file or SNAPFORM_CA_FILE"
                ),
            );
        }
        let code = if connect_failed {
            "ConnectionFailed"
        } else if timed_out {
            "Timeout"
        } else {
            "ConnectionLost"
        };
        let mut res = Error::new(ErrorKind::Transient, action, code, chain);
        res.maybe_applied = !connect_failed;
        res
    }

    /// The error for an operation a resource type does not support.
    pub fn unsupported(action: &str, what: impl Into<String>) -> Error {
        Error::new(ErrorKind::Permanent, action, "UnsupportedOperation", what)
    }

    /// An endpoint that is not a usable URL.
    pub fn invalid_endpoint(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Permanent, "", "InvalidEndpoint", message)
    }

    /// An answer that cannot be read. The request reached the cloud, so it may have been
    /// carried out.
    pub fn invalid_response(action: &str, message: impl Into<String>) -> Error {
        let mut error = Error::new(ErrorKind::Transient, action, "InvalidResponse", message);
        error.maybe_applied = true;
        error
    }

    /// Whether a retry after backing off may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Throttled | ErrorKind::Transient | ErrorKind::Busy
        )
    }
}

/// Why a create did not return an ID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    /// The cloud refused the create; nothing was made.
    #[error(transparent)]
    Rejected(Error),
    /// The request may have been carried out (a timeout, a reset connection or a 5xx after it
    /// was sent). Never resend it blindly: look the resource up first.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(Error),
}

impl CreateError {
    /// The underlying cloud error.
    pub fn error(&self) -> &Error {
        match self {
            CreateError::Rejected(error) | CreateError::OutcomeUnknown(error) => error,
        }
    }
}

/// An error and its causes on one line, joined with `: `.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The first line of a response body, at most 200 characters, for messages.
pub fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("client error (Connect)")]
    struct Connect(#[source] std::io::Error);

    #[test]
    fn an_untrusted_certificate_is_not_retried() {
        let cause = Connect(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ));
        let error = Error::transport("DescribeDisks", true, false, &cause);
        assert_eq!(error.kind, ErrorKind::Permanent);
        assert_eq!(error.code, "UntrustedCertificate");
        assert!(error.message.contains("UnknownIssuer"), "{}", error.message);
        assert!(error.message.contains("ca_file"), "{}", error.message);
        let refused = Connect(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        let error = Error::transport("DescribeDisks", true, false, &refused);
        assert_eq!(error.kind, ErrorKind::Transient);
        assert_eq!(error.code, "ConnectionFailed");
    }
}
