//! Lenient reading of response fields: the clouds send numbers as strings now and then, and
//! document fields that may be null.

use serde_json::Value as Json;

/// A string field; numbers and bools are turned into text; null and absent give `None`.
pub fn string(object: &Json, key: &str) -> Option<String> {
    match object.get(key)? {
        Json::String(text) => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        Json::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A number field, also when sent as a string (`"40"`, `"40%"`).
pub fn number(object: &Json, key: &str) -> Option<f64> {
    match object.get(key)? {
        Json::Number(number) => number.as_f64(),
        Json::String(text) => text.trim().trim_end_matches('%').trim().parse().ok(),
        _ => None,
    }
}

/// A list of strings, also when sent as one string.
pub fn strings(object: &Json, key: &str) -> Vec<String> {
    match object.get(key) {
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Json::String(text) => Some(text.clone()),
                Json::Number(number) => Some(number.to_string()),
                _ => None,
            })
            .collect(),
        Some(Json::String(text)) if !text.is_empty() => vec![text.clone()],
        _ => Vec::new(),
    }
}

/// An array field's items; absent or null gives none.
pub fn items<'a>(object: &'a Json, key: &str) -> &'a [Json] {
    object
        .get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_leniently() {
        let object = serde_json::json!({"a": "40", "b": 40, "c": "40%", "d": null, "e": "one", "f": ["x", 1]});
        assert_eq!(number(&object, "a"), Some(40.0));
        assert_eq!(number(&object, "b"), Some(40.0));
        assert_eq!(number(&object, "c"), Some(40.0));
        assert_eq!(number(&object, "d"), None);
        assert_eq!(string(&object, "b").as_deref(), Some("40"));
        assert_eq!(strings(&object, "e"), ["one"]);
        assert_eq!(strings(&object, "f"), ["x", "1"]);
        assert!(items(&object, "missing").is_empty());
    }
}
