//! Recorded outputs as `apply` and `output` print them, sensitive ones hidden, as Terraform does.

use std::collections::BTreeMap;

use snapform_core::Value;

/// One `name = value` line per output; sensitive values print as `<sensitive>`.
pub fn render<S: AsRef<str>>(outputs: &BTreeMap<String, Value>, sensitive: &[S]) -> String {
    outputs
        .iter()
        .map(|(name, value)| {
            if sensitive.iter().any(|hidden| hidden.as_ref() == name) {
                format!("{name} = <sensitive>\n")
            } else {
                format!("{name} = {value}\n")
            }
        })
        .collect()
}
