//! The aliyun CLI profile (`~/.aliyun/config.json`), the last source of credentials in
//! DESIGN §3's order; the command line reads the block and the environment, and
//! snapform-provider's `resolve_credentials` takes the first complete source.

use std::path::Path;

use serde_json::Value as Json;
use snapform_core::Secret;
use snapform_provider::PartialCredentials;

/// Reads one profile of the aliyun CLI's `config.json` (usually `~/.aliyun/config.json`):
/// `profile`, or the file's `current` profile when `None`.
///
/// Only the modes that hold usable keys give credentials: `AK` (`access_key_id`,
/// `access_key_secret`) and `StsToken` (the same plus `sts_token`). The other modes
/// (`RamRoleArn`, `EcsRamRole`, ...) need a token exchange snapform does not do, so they give
/// only their `region_id`. A missing or unreadable file gives nothing.
pub fn from_aliyun_profile(config_file: &Path, profile: Option<&str>) -> PartialCredentials {
    let Some(config) = std::fs::read_to_string(config_file)
        .ok()
        .and_then(|text| serde_json::from_str::<Json>(&text).ok())
    else {
        return PartialCredentials::default();
    };
    let wanted = profile
        .map(str::to_owned)
        .or_else(|| field(&config, "current"))
        .unwrap_or_else(|| "default".to_owned());
    let Some(entry) = config
        .get("profiles")
        .and_then(Json::as_array)
        .and_then(|profiles| {
            profiles
                .iter()
                .find(|entry| field(entry, "name").as_deref() == Some(wanted.as_str()))
        })
    else {
        return PartialCredentials::default();
    };
    let mut res = PartialCredentials {
        region: field(entry, "region_id"),
        ..PartialCredentials::default()
    };
    let mode = field(entry, "mode").unwrap_or_else(|| "AK".to_owned());
    if matches!(mode.as_str(), "AK" | "StsToken") {
        res.key_id = field(entry, "access_key_id");
        res.secret = field(entry, "access_key_secret").map(Secret::new);
    }
    if mode == "StsToken" {
        res.token = field(entry, "sts_token").map(Secret::new);
    }
    res
}

/// A non-empty string field.
fn field(object: &Json, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Json::as_str)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_config(name: &str, text: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("snapform-aliyun-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("config.json");
        std::fs::write(&file, text).expect("write");
        file
    }

    const CONFIG: &str = r#"{
        "current": "work",
        "profiles": [
            {"name": "default", "mode": "AK", "access_key_id": "LTAIdefault",
             "access_key_secret": "default-secret", "region_id": "cn-shanghai"},
            {"name": "work", "mode": "StsToken", "access_key_id": "STS.work",
             "access_key_secret": "work-secret", "sts_token": "work-token",
             "region_id": "cn-hangzhou", "output_format": "json"},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": "LTAIrole",
             "access_key_secret": "role-secret", "ram_role_arn": "acs:ram::1:role/x",
             "region_id": "cn-beijing"}
        ],
        "meta_path": ""
    }"#;

    #[test]
    fn the_current_profile_is_read_by_its_mode() {
        let file = temp_config("modes", CONFIG);
        let current = from_aliyun_profile(&file, None);
        assert_eq!(current.key_id.as_deref(), Some("STS.work"));
        assert_eq!(
            current.token.as_ref().map(Secret::expose),
            Some("work-token")
        );
        assert_eq!(current.region.as_deref(), Some("cn-hangzhou"));
        let default = from_aliyun_profile(&file, Some("default"));
        assert_eq!(default.key_id.as_deref(), Some("LTAIdefault"));
        assert!(default.token.is_none());
        let role = from_aliyun_profile(&file, Some("role"));
        assert!(
            role.key_id.is_none(),
            "a role profile's keys are not used directly"
        );
        assert_eq!(role.region.as_deref(), Some("cn-beijing"));
        assert!(from_aliyun_profile(&file, Some("nosuch")).region.is_none());
        assert!(
            from_aliyun_profile(&file.with_file_name("missing.json"), None)
                .key_id
                .is_none()
        );
        std::fs::remove_dir_all(file.parent().expect("dir")).ok();
    }
}
