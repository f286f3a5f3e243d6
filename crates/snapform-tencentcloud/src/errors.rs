//! Tencent Cloud error codes and how each is handled, from ../shared/api (per API where they
//! differ, then the protocol-wide classes).

use snapform_provider::ErrorKind;

/// Codes whose class differs from what their prefix says, per action.
const EXCEPTIONS: &[(&str, &str, ErrorKind)] = &[
    // A parent that does not exist makes a create fail for good.
    (
        "CreateDiskBackup",
        "InvalidDiskId.NotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateDiskBackup",
        "ResourceNotFound.NotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateSnapshotGroup",
        "InvalidDiskId.NotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateSnapshotGroup",
        "ResourceNotFound.NotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateInstanceSnapshot",
        "ResourceNotFound.InstanceIdNotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateInstanceSnapshot",
        "ResourceNotFound.DiskNotFound",
        ErrorKind::Permanent,
    ),
    (
        "CreateInstanceSnapshot",
        "ResourceNotFound.BlueprintIdNotFound",
        ErrorKind::Permanent,
    ),
];

/// Codes that mean "busy, wait and retry", across CBS and Lighthouse.
const BUSY: &[&str] = &[
    "InvalidDisk.Busy",
    "InvalidDisk.SnapshotCreating",
    "ResourceBusy",
    "ResourceInUse",
    "ResourceInUse.DiskRollbacking",
    "ResourceInUse.DiskMigrating",
    "ResourceUnavailable.SnapshotCreating",
    "UnsupportedOperation.StateError",
    "UnsupportedOperation.DiskBusy",
    "UnsupportedOperation.DiskLatestOperationUnfinished",
    "UnsupportedOperation.LatestOperationUnfinished",
    "UnsupportedOperation.InvalidInstanceState",
    "UnsupportedOperation.SnapshotBusy",
    "UnsupportedOperation.InvalidSnapshotState",
];

/// Codes of failures inside the cloud that may pass.
const TRANSIENT: &[&str] = &[
    "InternalError",
    "ServiceUnavailable",
    "FailedOperation.DescribeInstanceStatus",
    "FailedOperation.RequestError",
    "InternalError.DescribeInstanceStatus",
    "InternalError.GetSnapshotAllocQuotaLockError",
    "InternalError.RequestError",
    "InternalError.ComponentError",
    // The clock was off: a fresh signature may pass.
    "AuthFailure.SignatureExpire",
];

/// How to handle `code` answered to `action`.
pub fn classify(action: &str, code: &str) -> ErrorKind {
    if let Some((_, _, kind)) = EXCEPTIONS
        .iter()
        .find(|(a, c, _)| *a == action && *c == code)
    {
        return *kind;
    }
    let prefix = code.split('.').next().unwrap_or(code);
    if TRANSIENT.contains(&code) || prefix == "InternalError" {
        ErrorKind::Transient
    } else if prefix == "AuthFailure" {
        ErrorKind::Permanent
    } else if prefix == "RequestLimitExceeded" {
        ErrorKind::Throttled
    } else if BUSY.contains(&code)
        || matches!(prefix, "ResourceInUse" | "ResourceBusy")
        // The disk type cannot have backup points: retrying never helps (Terraform stops here
        // too).
        || (prefix == "ResourceUnavailable" && code != "ResourceUnavailable.NotSupported")
    {
        ErrorKind::Busy
    } else if prefix == "ResourceNotFound" || code.ends_with("NotFound") {
        ErrorKind::NotFound
    } else {
        ErrorKind::Permanent
    }
}

/// Whether an error with `code` may have left the action carried out (the cloud failed
/// internally after accepting it).
pub fn maybe_applied(code: &str) -> bool {
    code.starts_with("InternalError") || code == "ServiceUnavailable"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified_as_the_api_reference_says() {
        assert_eq!(
            classify("CreateDiskBackup", "RequestLimitExceeded"),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify("CreateDiskBackup", "RequestLimitExceeded.UinLimitExceeded"),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify("CreateDiskBackup", "ResourceUnavailable.SnapshotCreating"),
            ErrorKind::Busy
        );
        assert_eq!(
            classify("CreateDiskBackup", "ResourceUnavailable.NotSupported"),
            ErrorKind::Permanent
        );
        assert_eq!(
            classify("CreateDiskBackup", "InvalidDiskId.NotFound"),
            ErrorKind::Permanent
        );
        assert_eq!(
            classify("DeleteDiskBackups", "ResourceNotFound.NotFound"),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify("DeleteSnapshotGroup", "InvalidSnapshotId.NotFound"),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify("CreateSnapshotGroup", "InvalidDisk.SnapshotCreating"),
            ErrorKind::Busy
        );
        assert_eq!(
            classify("CreateSnapshotGroup", "InsufficientSnapshotQuota"),
            ErrorKind::Permanent
        );
        assert_eq!(
            classify("CreateDiskBackup", "ResourceInsufficient.OverQuota"),
            ErrorKind::Permanent
        );
        assert_eq!(
            classify(
                "CreateInstanceSnapshot",
                "UnsupportedOperation.LatestOperationUnfinished"
            ),
            ErrorKind::Busy
        );
        assert_eq!(
            classify(
                "CreateInstanceSnapshot",
                "LimitExceeded.SnapshotQuotaLimitExceeded"
            ),
            ErrorKind::Permanent
        );
        assert_eq!(
            classify("DeleteSnapshots", "ResourceNotFound.SnapshotIdNotFound"),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify("CreateDiskBackup", "InternalError"),
            ErrorKind::Transient
        );
        assert_eq!(
            classify("CreateDiskBackup", "AuthFailure.SignatureFailure"),
            ErrorKind::Permanent
        );
        assert_eq!(
            classify("CreateDiskBackup", "InvalidParameter"),
            ErrorKind::Permanent
        );
    }
}
