//! Alibaba Cloud error codes and how each is handled, from ../shared/api (alibaba-common.md for
//! the gateway's codes, alibaba-ecd-snapshot.md and alibaba-ens-snapshot.md for the products').
//!
//! The HTTP status of one code differs between doc pages (`InvalidAccessKeyId.NotFound` is
//! 400 or 404), so the class comes from the code alone; the client only adds that any 5xx is
//! transient.

use snapform_provider::ErrorKind;

/// Codes whose class differs from the general rule, per action. ECD and ENS share action names
/// and agree on these.
const EXCEPTIONS: &[(&str, &str, ErrorKind)] = &[
    // A parent that does not exist makes a create fail for good; it is not the snapshot that
    // is missing.
    (
        "CreateSnapshot",
        "InvalidDesktopId.NotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateSnapshot",
        "InvalidDiskId.NotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateSnapshot",
        "INSTANCE_ID_NOT_FOUND",
        ErrorKind::Permanent,
    ),
];

/// Gateway codes for a request that can never pass as sent: authentication, authorisation,
/// an unknown API or version.
const PERMANENT: &[&str] = &[
    "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidSignatureMethod",
    "InvalidSignatureVersion",
    "MissingSignature",
    "InvalidTimeStamp.Format",
    "Forbidden",
    "NoPermission",
    "InvalidApi.NotFound",
    "InvalidAction.NotFound",
    "InvalidVersion",
    "NoSuchVersion",
    "UnsupportedHTTPMethod",
    "SNAPSHOT_CLONE_DISK_NOT_NULL",
];

/// Families of permanent codes, by prefix (`Forbidden.RAM`, `InvalidSecurityToken.Expired`,
/// `SaleControl.VerificationFailed`, ...).
const PERMANENT_PREFIXES: &[&str] = &[
    "InvalidAccessKeyId",
    "Forbidden",
    "InvalidSecurityToken",
    "SaleControl",
    "InvalidParameter",
    "MissingParameter",
    "QuotaExceed",
];

/// Failures inside the cloud that may pass on a later attempt.
const TRANSIENT: &[&str] = &[
    "InternalError",
    "ServiceUnavailable",
    "System.SystemError",
    "SystemOtsSystem",
    // "Internal call failed" (ENS ModifySnapshotAttribute).
    "CallInterface",
    // ENS CreateSnapshot's billing order; its page says "please try again".
    "OrderFailed",
    // The signing time was off or the nonce collided: a fresh signature, which every attempt
    // makes, may pass.
    "InvalidTimeStamp.Expired",
    "IllegalTimestamp",
    "SignatureNonceUsed",
];

/// The resource is in a state that refuses the action for now: a snapshot being made, a
/// desktop starting, a copy in progress. Wait and retry.
const BUSY: &[&str] = &[
    "IncorrectDesktopStatus",
    "IncorrectDiskStatus",
    "IncorrectDiskStatus.CreatingSnapshot",
    "IncorrectSnapshotStatus",
    "IncorrectInstanceStatus",
    "DISK_SNAPSHOT_STATUS_NOT_MATCH",
    "ERROR_SNAPSHOT_COPY_IN_PROGRESS",
];

/// What the call was about does not exist (a delete of it counts as done).
const NOT_FOUND: &[&str] = &[
    "InvalidSnapshotId.NotFound",
    "ERROR_SNAPSHOT_NOT_FOUND",
    "SnapshotIdNotFound",
    "INSTANCE_ID_NOT_FOUND",
];

/// How to handle `code` answered to `action`.
pub fn classify(action: &str, code: &str) -> ErrorKind {
    if let Some((_, _, kind)) = EXCEPTIONS
        .iter()
        .find(|(exception_action, exception_code, _)| {
            *exception_action == action && *exception_code == code
        })
    {
        return *kind;
    }
    let has_prefix = |prefixes: &[&str]| {
        prefixes.iter().any(|prefix| {
            code == *prefix
                || code
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    };
    if code.contains("Throttling") {
        ErrorKind::Throttled
    } else if PERMANENT.contains(&code) || has_prefix(PERMANENT_PREFIXES) {
        ErrorKind::Permanent
    } else if TRANSIENT.contains(&code) || has_prefix(&["InternalError", "ServiceUnavailable"]) {
        ErrorKind::Transient
    } else if BUSY.contains(&code) || has_prefix(&["IncorrectDiskStatus", "IncorrectDesktopStatus"])
    {
        ErrorKind::Busy
    } else if NOT_FOUND.contains(&code) || code.ends_with("NotFound") || code.ends_with("NOT_FOUND")
    {
        ErrorKind::NotFound
    } else {
        ErrorKind::Permanent
    }
}

/// Whether an error with `code` may have left the action carried out: the cloud failed
/// internally after it accepted the request. A create that meets one is reported as an
/// unknown outcome, never resent.
pub fn maybe_applied(code: &str) -> bool {
    code.starts_with("InternalError")
        || matches!(
            code,
            "ServiceUnavailable" | "System.SystemError" | "SystemOtsSystem" | "CallInterface"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(action: &str, code: &str, expected: ErrorKind) {
        assert_eq!(classify(action, code), expected, "{action} {code}");
    }

    #[test]
    fn gateway_codes_are_classified_as_alibaba_common_says() {
        use ErrorKind::*;
        for code in [
            "Throttling",
            "Throttling.User",
            "Throttling.Api",
            "Rejected.Throttling",
        ] {
            check("DescribeSnapshots", code, Throttled);
        }
        for code in [
            "ServiceUnavailable",
            "InternalError",
            "InternalError.Unknown",
        ] {
            check("DescribeSnapshots", code, Transient);
        }
        for code in [
            "InvalidTimeStamp.Expired",
            "IllegalTimestamp",
            "SignatureNonceUsed",
        ] {
            check("CreateSnapshot", code, Transient);
        }
        for code in [
            "InvalidAccessKeyId.NotFound",
            "InvalidAccessKeyId.Inactive",
            "SignatureDoesNotMatch",
            "IncompleteSignature",
            "InvalidSignatureMethod",
            "Forbidden",
            "Forbidden.RAM",
            "Forbidden.RiskControl",
            "Forbidden.UserVerification",
            "NoPermission",
            "InvalidSecurityToken.Expired",
            "MissingParameter",
            "MissingDesktopId",
            "InvalidParameter",
            "InvalidParameter.SnapshotName",
            "InvalidParameter.Format",
            "UnsupportedOperation",
            "NoSuchVersion",
            "InvalidApi.NotFound",
            "InvalidAction.NotFound",
            "UnsupportedHTTPMethod",
            "InsufficientBalance",
            "InvalidTimeStamp.Format",
        ] {
            check("DescribeSnapshots", code, Permanent);
        }
    }

    #[test]
    fn ecd_codes_are_classified_as_alibaba_ecd_snapshot_says() {
        use ErrorKind::*;
        check("CreateSnapshot", "InvalidDesktopId.NotFound", Permanent);
        check("CreateSnapshot", "IncorrectDesktopStatus", Busy);
        check(
            "CreateSnapshot",
            "IncorrectDiskStatus.CreatingSnapshot",
            Busy,
        );
        check("CreateSnapshot", "InvalidParameter.SnapshotName", Permanent);
        check("DeleteSnapshot", "InvalidSnapshotId.NotFound", NotFound);
        check("DeleteSnapshot", "IncorrectSnapshotStatus", Busy);
        check("DescribeDesktops", "InvalidParameter.MaxResults", Permanent);
    }

    #[test]
    fn ens_codes_are_classified_as_alibaba_ens_snapshot_says() {
        use ErrorKind::*;
        for code in ["OrderFailed", "System.SystemError", "SystemOtsSystem"] {
            check("CreateSnapshot", code, Transient);
        }
        for code in [
            "SaleControl.VerificationFailed",
            "SaleControlVerificationFailedStock",
            "SaleControlVerificationFailedRegion",
            "SystemUseCouponFailed",
            "SystemUseStoredCardFailed",
            "SystemCanRefundCheckFailed",
            "NoPermission",
            "InvalidParameter.DiskId",
            "QuotaExceed.Snapshot",
            "InvalidDiskId.NotFound",
            "INSTANCE_ID_NOT_FOUND",
        ] {
            check("CreateSnapshot", code, Permanent);
        }
        check(
            "CreateSnapshot",
            "IncorrectDiskStatus.CreatingSnapshot",
            Busy,
        );
        for code in [
            "DISK_SNAPSHOT_STATUS_NOT_MATCH",
            "ERROR_SNAPSHOT_COPY_IN_PROGRESS",
            "IncorrectInstanceStatus",
        ] {
            check("DeleteSnapshot", code, Busy);
        }
        for code in [
            "ERROR_SNAPSHOT_NOT_FOUND",
            "INSTANCE_ID_NOT_FOUND",
            "InvalidSnapshotId.NotFound",
        ] {
            check("DeleteSnapshot", code, NotFound);
        }
        check("DeleteSnapshot", "SNAPSHOT_CLONE_DISK_NOT_NULL", Permanent);
        check("ModifySnapshotAttribute", "SnapshotIdNotFound", NotFound);
        check("ModifySnapshotAttribute", "CallInterface", Transient);
        check("ModifySnapshotAttribute", "MissingParameter", Permanent);
    }

    #[test]
    fn only_internal_failures_may_have_been_applied() {
        assert!(maybe_applied("InternalError"));
        assert!(maybe_applied("ServiceUnavailable"));
        assert!(maybe_applied("System.SystemError"));
        assert!(!maybe_applied("OrderFailed"));
        assert!(!maybe_applied("Throttling.User"));
        assert!(!maybe_applied("InvalidParameter"));
    }
}
