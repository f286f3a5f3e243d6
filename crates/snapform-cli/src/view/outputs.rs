//! Recorded outputs as `apply` and `output` print them, sensitive ones hidden, as Terraform does.

use std::collections::BTreeMap;

use snapform_core::Value;

/// One `name = value` line per output; sensitive values print as `<sensitive>`.
pub fn render(outputs: &BTreeMap<String, Value>, sensitive: &[String]) -> String {
    outputs
        .iter()
        .map(|(name, value)| {
            if sensitive.contains(name) {
                format!("{name} = <sensitive>\n")
            } else {
                format!("{name} = {value}\n")
            }
        })
        .collect()
}
