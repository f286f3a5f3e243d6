//! Credentials and their sources, in DESIGN §3's order: the provider block, then the
//! environment, then the aliyun CLI profile (`~/.aliyun/config.json`).
//!
//! The command line reads the environment (all variable names live there) and passes the
//! values in; this module knows the profile file's format and reads no variable itself.

use std::path::Path;

use serde_json::Value as Json;
use snapform_core::Secret;

/// An AccessKey pair, with the STS token of temporary credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The AccessKey ID, not secret in itself.
    pub access_key_id: String,
    /// The AccessKey secret.
    pub access_key_secret: Secret,
    /// The STS token of temporary credentials (`x-acs-security-token`).
    pub security_token: Option<Secret>,
}

/// Credential values from one source; any may be missing.
#[derive(Clone, Debug, Default)]
pub struct PartialCredentials {
    /// AccessKey ID.
    pub access_key_id: Option<String>,
    /// AccessKey secret.
    pub access_key_secret: Option<Secret>,
    /// STS token.
    pub security_token: Option<Secret>,
    /// Region, such as `cn-hangzhou`.
    pub region: Option<String>,
}

impl PartialCredentials {
    fn complete(&self) -> Option<Credentials> {
        Some(Credentials {
            access_key_id: self.access_key_id.clone()?,
            access_key_secret: self.access_key_secret.clone()?,
            security_token: self.security_token.clone(),
        })
    }
}

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
        res.access_key_id = field(entry, "access_key_id");
        res.access_key_secret = field(entry, "access_key_secret").map(Secret::new);
    }
    if mode == "StsToken" {
        res.security_token = field(entry, "sts_token").map(Secret::new);
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

/// The first complete set of credentials, and the first region, from `sources` in order;
/// `None` when no source has both an AccessKey ID and secret.
pub fn resolve(sources: &[PartialCredentials]) -> (Option<Credentials>, Option<String>) {
    let credentials = sources.iter().find_map(PartialCredentials::complete);
    let region = sources.iter().find_map(|source| source.region.clone());
    (credentials, region)
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
        assert_eq!(current.access_key_id.as_deref(), Some("STS.work"));
        assert_eq!(
            current.security_token.as_ref().map(Secret::expose),
            Some("work-token")
        );
        assert_eq!(current.region.as_deref(), Some("cn-hangzhou"));
        let default = from_aliyun_profile(&file, Some("default"));
        assert_eq!(default.access_key_id.as_deref(), Some("LTAIdefault"));
        assert!(default.security_token.is_none());
        let role = from_aliyun_profile(&file, Some("role"));
        assert!(
            role.access_key_id.is_none(),
            "a role profile's keys are not used directly"
        );
        assert_eq!(role.region.as_deref(), Some("cn-beijing"));
        assert!(from_aliyun_profile(&file, Some("nosuch")).region.is_none());
        assert!(
            from_aliyun_profile(&file.with_file_name("missing.json"), None)
                .access_key_id
                .is_none()
        );
        std::fs::remove_dir_all(file.parent().expect("dir")).ok();
    }

    #[test]
    fn the_block_wins_then_the_environment_then_the_profile() {
        let file = temp_config("order", CONFIG);
        let profile = from_aliyun_profile(&file, Some("default"));
        let env = PartialCredentials {
            access_key_id: Some("LTAIenv".to_owned()),
            access_key_secret: None,
            ..PartialCredentials::default()
        };
        let (credentials, region) =
            resolve(&[PartialCredentials::default(), env.clone(), profile.clone()]);
        let credentials = credentials.expect("the profile is complete");
        assert_eq!(
            credentials.access_key_id, "LTAIdefault",
            "an incomplete source is skipped"
        );
        assert_eq!(region.as_deref(), Some("cn-shanghai"));
        let block = PartialCredentials {
            access_key_id: Some("LTAIblock".to_owned()),
            access_key_secret: Some(Secret::new("block-secret")),
            security_token: None,
            region: Some("cn-hangzhou".to_owned()),
        };
        let (credentials, region) = resolve(&[block, env, profile]);
        let credentials = credentials.expect("the block is complete");
        assert_eq!(credentials.access_key_id, "LTAIblock");
        assert_eq!(region.as_deref(), Some("cn-hangzhou"));
        assert!(
            !format!("{credentials:?}").contains("block-secret"),
            "secrets are redacted from Debug"
        );
        std::fs::remove_dir_all(file.parent().expect("dir")).ok();
    }
}
