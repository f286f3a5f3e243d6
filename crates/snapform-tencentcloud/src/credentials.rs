//! The tccli profile (`~/.tccli/default.credential`), the last source of credentials in
//! DESIGN §3's order; the command line reads the block and the environment, and
//! snapform-provider's `resolve_credentials` takes the first complete source.

use std::path::Path;

use snapform_core::Secret;
use snapform_provider::PartialCredentials;

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
        res.key_id = field("secretId");
        res.secret = field("secretKey").map(Secret::new);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_holds_the_key_and_the_region() {
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
        assert_eq!(profile.key_id.as_deref(), Some("AKIDprofile"));
        assert_eq!(
            profile.secret.map(|s| s.expose().to_owned()).as_deref(),
            Some("profile-key")
        );
        assert_eq!(profile.region.as_deref(), Some("ap-beijing"));
        assert!(from_tccli_profile(&dir, "missing").key_id.is_none());
        std::fs::remove_dir_all(&dir).ok();
    }
}
