//! The key pairs the emulator accepts: the documented defaults and the `--keys` file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::json_file::read_json;

/// The documented default Tencent Cloud `SecretId`.
pub const DEFAULT_TENCENTCLOUD_SECRET_ID: &str = "AKIDsnapformEmulatorTestKey0000001";
/// The documented default Tencent Cloud `SecretKey`.
pub const DEFAULT_TENCENTCLOUD_SECRET_KEY: &str = "snapformEmulatorTencentSecretKey";
/// The documented default Alibaba Cloud `AccessKeyId`.
pub const DEFAULT_ALICLOUD_ACCESS_KEY_ID: &str = "LTAIsnapformEmulatorTestKey";
/// The documented default Alibaba Cloud `AccessKeySecret`.
pub const DEFAULT_ALICLOUD_ACCESS_KEY_SECRET: &str = "snapformEmulatorAlicloudSecretKey";

/// The key pairs the emulator accepts, per cloud. `--keys FILE` reads this JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTable {
    /// Tencent Cloud `SecretId`/`SecretKey` pairs.
    #[serde(default)]
    pub tencentcloud: Vec<TencentKey>,
    /// Alibaba Cloud `AccessKeyId`/`AccessKeySecret` pairs.
    #[serde(default)]
    pub alicloud: Vec<AlicloudKey>,
}

/// A Tencent Cloud key pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TencentKey {
    /// `AKID...`.
    pub secret_id: String,
    /// The secret.
    pub secret_key: String,
}

/// An Alibaba Cloud key pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlicloudKey {
    /// `LTAI...`.
    pub access_key_id: String,
    /// The secret.
    pub access_key_secret: String,
}

impl Default for KeyTable {
    /// One documented test key pair per cloud.
    fn default() -> Self {
        Self {
            tencentcloud: vec![TencentKey {
                secret_id: DEFAULT_TENCENTCLOUD_SECRET_ID.to_owned(),
                secret_key: DEFAULT_TENCENTCLOUD_SECRET_KEY.to_owned(),
            }],
            alicloud: vec![AlicloudKey {
                access_key_id: DEFAULT_ALICLOUD_ACCESS_KEY_ID.to_owned(),
                access_key_secret: DEFAULT_ALICLOUD_ACCESS_KEY_SECRET.to_owned(),
            }],
        }
    }
}

impl KeyTable {
    /// Reads a `--keys` JSON file.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        read_json(path)
    }

    pub(crate) fn tencent_secret(&self, secret_id: &str) -> Option<&str> {
        self.tencentcloud
            .iter()
            .find(|key| key.secret_id == secret_id)
            .map(|key| key.secret_key.as_str())
    }

    pub(crate) fn alicloud_secret(&self, access_key_id: &str) -> Option<&str> {
        self.alicloud
            .iter()
            .find(|key| key.access_key_id == access_key_id)
            .map(|key| key.access_key_secret.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_form() {
        let keys: KeyTable = serde_json::from_str(
            r#"{"tencentcloud": [{"secret_id": "AKIDx", "secret_key": "k"}],
                "alicloud": [{"access_key_id": "LTAIx", "access_key_secret": "s"}]}"#,
        )
        .expect("valid key table");
        assert_eq!(keys.tencent_secret("AKIDx"), Some("k"));
        assert_eq!(keys.alicloud_secret("LTAIx"), Some("s"));
        assert_eq!(keys.alicloud_secret("LTAIy"), None);
    }
}
