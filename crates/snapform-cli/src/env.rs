//! Every environment variable snapform reads, in one place.

/// Prefix of variables that set configuration variables: `SNAPFORM_VAR_region=ap-guangzhou`.
pub const VAR_PREFIX: &str = "SNAPFORM_VAR_";

/// Any value turns colours off (https://no-color.org); an empty value is ignored.
pub const NO_COLOR: &str = "NO_COLOR";

/// Tencent Cloud credentials and region, as the official SDKs and tccli read them.
pub const TENCENTCLOUD_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// See [`TENCENTCLOUD_SECRET_ID`].
pub const TENCENTCLOUD_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// See [`TENCENTCLOUD_SECRET_ID`].
pub const TENCENTCLOUD_SECURITY_TOKEN: &str = "TENCENTCLOUD_SECURITY_TOKEN";
/// See [`TENCENTCLOUD_SECRET_ID`].
pub const TENCENTCLOUD_REGION: &str = "TENCENTCLOUD_REGION";

/// Alibaba Cloud credentials and region, as the official SDKs read them.
pub const ALIBABA_CLOUD_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// See [`ALIBABA_CLOUD_ACCESS_KEY_ID`].
pub const ALIBABA_CLOUD_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// See [`ALIBABA_CLOUD_ACCESS_KEY_ID`].
pub const ALIBABA_CLOUD_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// See [`ALIBABA_CLOUD_ACCESS_KEY_ID`].
pub const ALIBABA_CLOUD_REGION_ID: &str = "ALIBABA_CLOUD_REGION_ID";
/// The names the alicloud Terraform provider reads, accepted too.
pub const ALICLOUD_ACCESS_KEY: &str = "ALICLOUD_ACCESS_KEY";
/// See [`ALICLOUD_ACCESS_KEY`].
pub const ALICLOUD_SECRET_KEY: &str = "ALICLOUD_SECRET_KEY";
/// See [`ALICLOUD_ACCESS_KEY`].
pub const ALICLOUD_REGION: &str = "ALICLOUD_REGION";

/// A PEM file of CA certificates every provider trusts besides the system's, for an https
/// endpoint such as the emulator's; a provider block's `ca_file` takes its place.
pub const CA_FILE: &str = "SNAPFORM_CA_FILE";

/// How often apply polls resources it waits for (a duration such as `1s`, the default, or
/// `200ms`).
pub const POLL_INTERVAL: &str = "SNAPFORM_POLL_INTERVAL";

/// How long new snapshots take to become ready in the embedded emulator (`--emulator`),
/// default `2s`.
pub const EMULATOR_READY_AFTER: &str = "SNAPFORM_EMULATOR_READY_AFTER";

/// The home directory, where `~/.tccli` and `~/.aliyun/config.json` live, and under which
/// `snapform emulator` keeps its local CA (`~/.local/share/snapform/emulator-ca`).
pub const HOME: &str = "HOME";

/// Where `snapform emulator` keeps its local CA when set (`$XDG_DATA_HOME/snapform/emulator-ca`),
/// instead of under `HOME`.
pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";

/// Who holds a lock, as the lock info records it.
pub const USER: &str = "USER";

/// The pg backend's connection string, when neither the backend block nor
/// `init -backend-config` sets one; it may hold a password and is never printed.
pub const SNAPFORM_PG_CONN_STR: &str = "SNAPFORM_PG_CONN_STR";
/// Terraform's name for [`SNAPFORM_PG_CONN_STR`], read after it.
pub const PG_CONN_STR: &str = "PG_CONN_STR";
/// A PEM file of CAs the pg backend trusts besides the system's, when the backend block sets
/// no `ca_file`.
pub const PG_CA_FILE: &str = "SNAPFORM_PG_CA_FILE";
/// How long a pg write keeps trying after the connection was lost before apply gives up and
/// writes `snapform.errored.tfstate` (a duration, default `60s`).
pub const PG_RETRY_TIMEOUT: &str = "SNAPFORM_PG_RETRY_TIMEOUT";

/// The workspace to use, over the one `workspace select` chose (Terraform's `TF_WORKSPACE`).
pub const WORKSPACE: &str = "SNAPFORM_WORKSPACE";

/// `SNAPFORM_VAR_*` variables as (name, value) pairs, sorted by name.
pub fn config_variables() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter_map(|(key, value)| Some((key.strip_prefix(VAR_PREFIX)?.to_owned(), value)))
        .collect();
    vars.sort();
    vars
}

/// Whether `NO_COLOR` is set to a non-empty value.
pub fn no_color() -> bool {
    std::env::var_os(NO_COLOR).is_some_and(|value| !value.is_empty())
}

/// A variable's value, `None` when unset or empty.
pub fn get(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}
