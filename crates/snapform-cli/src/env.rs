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

/// Where each cloud's credentials and region come from in the environment, first name first
/// (the alicloud Terraform provider's names come after Alibaba's own).
pub struct CloudVariables {
    /// The cloud.
    pub cloud: &'static str,
    /// The key ID.
    pub key_id: &'static [&'static str],
    /// The secret.
    pub secret: &'static [&'static str],
    /// A session token.
    pub token: &'static [&'static str],
    /// The region.
    pub region: &'static [&'static str],
}

/// Every cloud's variables.
pub const CLOUD_VARIABLES: [CloudVariables; 2] = [
    CloudVariables {
        cloud: "tencentcloud",
        key_id: &[TENCENTCLOUD_SECRET_ID],
        secret: &[TENCENTCLOUD_SECRET_KEY],
        token: &[TENCENTCLOUD_SECURITY_TOKEN],
        region: &[TENCENTCLOUD_REGION],
    },
    CloudVariables {
        cloud: "alicloud",
        key_id: &[ALIBABA_CLOUD_ACCESS_KEY_ID, ALICLOUD_ACCESS_KEY],
        secret: &[ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALICLOUD_SECRET_KEY],
        token: &[ALIBABA_CLOUD_SECURITY_TOKEN],
        region: &[ALIBABA_CLOUD_REGION_ID, ALICLOUD_REGION],
    },
];

/// The variables of `cloud`.
pub fn cloud_variables(cloud: &str) -> Option<&'static CloudVariables> {
    CLOUD_VARIABLES
        .iter()
        .find(|variables| variables.cloud == cloud)
}

/// The first of `names` that is set.
pub fn first(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| get(name))
}

/// The log level: `trace`, `debug`, `info`, `warn` or `error` (default `warn`, which shows
/// only calls that keep being retried).
pub const LOG: &str = "SNAPFORM_LOG";
/// Terraform's name for [`LOG`], honoured when [`LOG`] is not set.
pub const TF_LOG: &str = "TF_LOG";
/// A file the log is appended to instead of standard error.
pub const LOG_PATH: &str = "SNAPFORM_LOG_PATH";

/// Set to `1` to let a provider's `endpoint` be plain http to an address that is not loopback
/// (a test rig); otherwise signed requests and tokens never cross a network in clear text.
pub const ALLOW_INSECURE_HTTP: &str = "SNAPFORM_ALLOW_INSECURE_HTTP";

/// Whether [`ALLOW_INSECURE_HTTP`] is set.
pub fn allow_insecure_http() -> bool {
    get(ALLOW_INSECURE_HTTP).is_some_and(|value| value == "1" || value == "true")
}

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
