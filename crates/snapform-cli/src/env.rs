//! Every environment variable snapform reads, in one place.

/// Prefix of variables that set configuration variables: `SNAPFORM_VAR_region=ap-guangzhou`.
pub const VAR_PREFIX: &str = "SNAPFORM_VAR_";

/// Any value turns colours off (https://no-color.org); an empty value is ignored.
pub const NO_COLOR: &str = "NO_COLOR";

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
