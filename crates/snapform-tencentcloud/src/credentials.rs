//! Credentials and their sources, in DESIGN §3's order: the provider block, then the
//! environment, then the tccli profile (`~/.tccli/default.credential`).
//!
//! The command line reads the environment (all variable names live there) and passes the
//! values in; this module knows the profile file's format.

use std::path::Path;

use snapform_core::Secret;

/// A SecretId/SecretKey pair, with a session token for temporary credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The SecretId, not secret in itself.
    pub secret_id: String,
    /// The SecretKey.
    pub secret_key: Secret,
    /// The STS token of temporary credentials.
    pub token: Option<Secret>,
}

/// Credential values from one source; any may be missing.
#[derive(Clone, Debug, Default)]
pub struct PartialCredentials {
    /// SecretId.
    pub secret_id: Option<String>,
    /// SecretKey.
    pub secret_key: Option<Secret>,
    /// Session token.
    pub token: Option<Secret>,
    /// Region.
    pub region: Option<String>,
}

impl PartialCredentials {
    fn complete(&self) -> Option<Credentials> {
        Some(Credentials {
            secret_id: self.secret_id.clone()?,
            secret_key: self.secret_key.clone()?,
            token: self.token.clone(),
        })
    }
}

/// Reads tccli's profile: `default.credential` (`secretId`, `secretKey`, `token`) and
/// `default.configure` (`_sys_param.region`) in `tccli_dir` (usually `~/.tccli`).
pub fn from_tccli_profile(tccli_dir: &Path, profile: &str) -> PartialCredentials {
    let read = |name: &str| -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(tccli_dir.join(name)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let mut res = PartialCredentials::default();
    if let Some(credential) = read(&format!("{profile}.credential")) {
        let field = |key: &str| {
            credential
                .get(key)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        res.secret_id = field("secretId");
        res.secret_key = field("secretKey").map(Secret::new);
        res.token = field("token").map(Secret::new);
    }
    if let Some(configure) = read(&format!("{profile}.configure")) {
        res.region = configure
            .pointer("/_sys_param/region")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
    }
    res
}

/// The first complete set of credentials, and the first region, from `sources` in order;
/// `None` when no source has both a SecretId and a SecretKey.
pub fn resolve(sources: &[PartialCredentials]) -> (Option<Credentials>, Option<String>) {
    let credentials = sources.iter().find_map(PartialCredentials::complete);
    let region = sources.iter().find_map(|source| source.region.clone());
    (credentials, region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_wins_then_the_environment_then_the_profile() {
        let dir = std::env::temp_dir().join(format!("snapform-tccli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(
            dir.join("default.credential"),
            r#"{"secretId": "AKIDprofile", "secretKey": "profile-key"}"#,
        )
        .expect("write");
        std::fs::write(
            dir.join("default.configure"),
            r#"{"_sys_param": {"region": "ap-beijing"}}"#,
        )
        .expect("write");
        let profile = from_tccli_profile(&dir, "default");
        let env = PartialCredentials {
            secret_id: Some("AKIDenv".to_owned()),
            secret_key: None,
            ..PartialCredentials::default()
        };
        let (credentials, region) =
            resolve(&[PartialCredentials::default(), env.clone(), profile.clone()]);
        let credentials = credentials.expect("the profile is complete");
        assert_eq!(
            credentials.secret_id, "AKIDprofile",
            "an incomplete source is skipped"
        );
        assert_eq!(region.as_deref(), Some("ap-beijing"));
        let block = PartialCredentials {
            secret_id: Some("AKIDblock".to_owned()),
            secret_key: Some(Secret::new("block-key")),
            token: None,
            region: Some("ap-guangzhou".to_owned()),
        };
        let (credentials, region) = resolve(&[block, env, profile]);
        assert_eq!(
            credentials.map(|c| c.secret_id).as_deref(),
            Some("AKIDblock")
        );
        assert_eq!(region.as_deref(), Some("ap-guangzhou"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
