//! RPC request parameters: how a structured request becomes the flat `[name, value]` pairs of
//! the query string, as the official SDK's `Utils.query` does it.
//!
//! Lists flatten 1-based (`SnapshotId.1`, `Tag.1.Key`, `Filter.1.Values.2`), objects by their
//! keys (`Labels.env`), null is dropped, an empty list gives nothing, and `""` stays. Some
//! parameters instead take a whole list as one JSON text (ENS `DescribeSnapshots.SnapshotId`):
//! [`json_style`] makes that value.

use serde_json::Value as Json;

/// The flat parameters of `request`, a JSON object whose keys are the parameter names.
/// A request that is not an object has no parameters.
pub fn flatten(request: &Json) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Json::Object(fields) = request {
        for (name, value) in fields {
            flatten_into(name, value, &mut pairs);
        }
    }
    pairs
}

fn flatten_into(prefix: &str, value: &Json, pairs: &mut Vec<(String, String)>) {
    match value {
        Json::Null => {}
        Json::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten_into(&format!("{prefix}.{}", index + 1), item, pairs);
            }
        }
        Json::Object(fields) => {
            for (key, item) in fields {
                flatten_into(&format!("{prefix}.{key}"), item, pairs);
            }
        }
        scalar => pairs.push((prefix.to_owned(), scalar_text(scalar))),
    }
}

/// A scalar as the SDK writes it. Booleans are `True`/`False`, as the Python SDK (the vectors'
/// oracle) writes them; the gateway reads them case-insensitively.
fn scalar_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        Json::Bool(true) => "True".to_owned(),
        Json::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

/// The value of a parameter of style `json`: the list as compact JSON text (`["a","b"]`).
pub fn json_style(value: &Json) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
        pairs.sort();
        pairs
    }

    /// Every Alibaba case of the flattening vectors. The order of the pairs does not matter
    /// (the canonical query sorts them), so they are compared sorted. The `simple` style (a
    /// list joined with commas) and the `repeatList` style (the Python SDK's text for a
    /// form-encoded list inside one parameter) are left out: no API snapform calls uses them,
    /// and [`flatten`] already makes the pairs of `repeatList`.
    #[test]
    fn flattening_matches_the_official_sdk_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/signing/acs-rpc-param-flattening.json"
        );
        let text = std::fs::read_to_string(path).expect("the vectors are in testdata/signing");
        let vectors: Json = serde_json::from_str(&text).expect("valid JSON");
        let mut n_checked = 0;
        for case in vectors["cases"].as_array().expect("cases") {
            let id = case["id"].as_str().expect("id");
            if case["provider"] != "alibaba" {
                continue;
            }
            let input = &case["input"];
            if let Some(flattened) = case["flattened"].as_array() {
                let expected: Vec<(String, String)> = flattened
                    .iter()
                    .map(|pair| {
                        (
                            pair[0].as_str().expect("name").to_owned(),
                            pair[1].as_str().expect("value").to_owned(),
                        )
                    })
                    .collect();
                // Parameters with a `json` style are sent as one JSON text, not flattened.
                let mut request = input.clone();
                if let Some(styles) = case["styles"].as_object() {
                    for (name, style) in styles {
                        assert_eq!(style, "json", "{id}");
                        let value = json_style(&request[name]);
                        request[name] = Json::String(value);
                    }
                }
                assert_eq!(sorted(flatten(&request)), sorted(expected), "{id}");
                n_checked += 1;
            } else {
                let value = match case["style"].as_str().expect("style") {
                    "json" => json_style(input),
                    "simple" | "repeatList" => continue,
                    other => panic!("{id}: unknown style {other}"),
                };
                assert_eq!(value, case["value"].as_str().expect("value"), "{id}");
                n_checked += 1;
            }
        }
        assert_eq!(n_checked, 10);
    }

    #[test]
    fn lists_are_one_based_and_nested() {
        let request = serde_json::json!({
            "RegionId": "cn-hangzhou",
            "SnapshotId": ["s-1", "s-2"],
            "Tag": [{"Key": "env", "Value": "prod"}],
            "MaxResults": 100,
            "Skipped": null,
            "None": [],
        });
        let pairs = sorted(flatten(&request));
        let text: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        assert_eq!(
            text,
            [
                "MaxResults=100",
                "RegionId=cn-hangzhou",
                "SnapshotId.1=s-1",
                "SnapshotId.2=s-2",
                "Tag.1.Key=env",
                "Tag.1.Value=prod"
            ]
        );
        assert_eq!(
            json_style(&serde_json::json!(["s-1", "s-2"])),
            r#"["s-1","s-2"]"#
        );
    }
}
