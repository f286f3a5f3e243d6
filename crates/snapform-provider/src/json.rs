//! Lenient reading of cloud response fields, shared by the providers. The clouds' documentation
//! and their answers disagree on types: numbers come as strings (`"150"`, `"40%"`), and on
//! Alibaba numbers come as strings (`"150"`), ENS `SnapShotId` is a string or an array, lists
//! are flat or wrapped (`{"Disks": {"Disks": [...]}}`), and times come as
//! `2020-08-20T14:52:28Z` or `2020-08-20 14:52:28`. Unknown fields are ignored, null is absent.

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

/// A string field that is present and not empty.
pub fn non_empty(object: &Json, key: &str) -> Option<String> {
    string(object, key).filter(|text| !text.is_empty())
}

/// A number field, also when sent as a string (`"40"`, `"40%"`).
pub fn number(object: &Json, key: &str) -> Option<f64> {
    match object.get(key)? {
        Json::Number(number) => number.as_f64(),
        Json::String(text) => text.trim().trim_end_matches('%').trim().parse().ok(),
        _ => None,
    }
}

/// A progress field (`45`, `"45%"`) as a percentage, clamped to 0..=100.
pub fn percent(object: &Json, key: &str) -> Option<u8> {
    number(object, key).map(|percent| percent.clamp(0.0, 100.0) as u8)
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

/// A list field's items, flat (`"Snapshots": [...]`) or wrapped in an object holding one list
/// (`"Disks": {"Disks": [...]}`, the XML-derived shape some RPC APIs answer). The list APIs
/// always send it, empty or not, so an answer without it is an error, never "nothing there":
/// taking it as empty would make every recorded resource look deleted.
pub fn items<'a>(object: &'a Json, key: &str) -> Result<&'a [Json], String> {
    match object.get(key) {
        Some(Json::Array(items)) => Ok(items),
        Some(Json::Object(wrapper)) if wrapper.is_empty() => Ok(&[]),
        Some(Json::Object(wrapper)) => wrapper
            .values()
            .find_map(Json::as_array)
            .map(Vec::as_slice)
            .ok_or_else(|| format!("the answer's `{key}` holds no list")),
        Some(other) => Err(format!(
            "the answer's `{key}` is not a list but {}",
            kind(other)
        )),
        None => Err(format!("the answer has no `{key}` list")),
    }
}

/// [`items`], taken out of `object` rather than borrowed, for a caller that keeps them: a
/// fleet's reads keep tens of thousands, and copying each one cost more than reading it.
pub fn take_items(object: &mut Json, key: &str) -> Result<Vec<Json>, String> {
    items(object, key)?;
    let taken = match object.get_mut(key) {
        Some(Json::Array(items)) => std::mem::take(items),
        Some(Json::Object(wrapper)) => wrapper
            .values_mut()
            .find_map(|value| value.as_array_mut().map(std::mem::take))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(taken)
}

/// Checks that every item of the list `key` has each of `fields`, which the API always sends:
/// an item without its ID or its state cannot be told apart from a missing resource.
pub fn require_fields(items: &[Json], key: &str, fields: &[&str]) -> Result<(), String> {
    for (index, item) in items.iter().enumerate() {
        for field in fields {
            if matches!(item.get(*field), None | Some(Json::Null)) {
                return Err(format!("item {index} of `{key}` has no `{field}`"));
            }
        }
    }
    Ok(())
}

/// A count the API always sends (`TotalCount`), which says how many items a listing holds.
pub fn count(object: &Json, key: &str) -> Result<usize, String> {
    match number(object, key) {
        Some(count) if count >= 0.0 && count.fract() == 0.0 => Ok(count as usize),
        Some(count) => Err(format!("the answer's `{key}` is {count}, not a count")),
        None => Err(format!("the answer has no `{key}`")),
    }
}

fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

/// A time in the `2020-08-20T14:52:28Z` form. ENS also answers `2020-08-20 14:52:28` (UTC
/// too), and some answers drop the seconds (`2024-01-01T00:00Z`); anything else is kept as
/// sent.
pub fn normalise_time(text: &str) -> String {
    let text = text.trim();
    let bytes = text.as_bytes();
    let is_date = bytes.len() >= 10
        && bytes[..10]
            .iter()
            .enumerate()
            .all(|(index, byte)| match index {
                4 | 7 => *byte == b'-',
                _ => byte.is_ascii_digit(),
            });
    if !is_date || bytes.len() < 16 || !matches!(bytes[10], b' ' | b'T') {
        return text.to_owned();
    }
    let (date, clock) = (&text[..10], text[11..].trim_end_matches('Z'));
    let well_formed = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = clock.split(':').collect();
    match parts.as_slice() {
        [hours, minutes] if well_formed(hours) && well_formed(minutes) => {
            format!("{date}T{hours}:{minutes}:00Z")
        }
        [hours, minutes, seconds] if [hours, minutes, seconds].iter().all(|p| well_formed(p)) => {
            format!("{date}T{hours}:{minutes}:{seconds}Z")
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_taken_are_the_items_read_and_leave_none_behind() {
        let original = serde_json::json!({
            "flat": [{"id": 1}, {"id": 3}], "wrapped": {"Disk": [{"id": 2}]}, "unknown": {},
            "a": "40"
        });
        for key in ["flat", "wrapped", "unknown", "missing", "a"] {
            let mut object = original.clone();
            let read = items(&original, key).map(<[Json]>::to_vec);
            assert_eq!(take_items(&mut object, key), read, "{key}");
            if read.is_ok() {
                assert_eq!(items(&object, key).map(<[Json]>::len), Ok(0), "{key}");
            }
        }
    }

    #[test]
    fn fields_are_read_leniently() {
        let object = serde_json::json!({
            "a": "40", "b": 40, "c": "40%", "d": null, "e": "one", "f": ["x", 1],
            "flat": [{"id": 1}], "wrapped": {"Disk": [{"id": 2}]}, "empty": "", "unknown": {}
        });
        assert_eq!(number(&object, "a"), Some(40.0));
        assert_eq!(number(&object, "b"), Some(40.0));
        assert_eq!(number(&object, "c"), Some(40.0));
        assert_eq!(number(&object, "d"), None);
        assert_eq!(percent(&object, "c"), Some(40));
        assert_eq!(
            percent(&serde_json::json!({"p": 140, "n": "-3"}), "p"),
            Some(100)
        );
        assert_eq!(
            percent(&serde_json::json!({"p": 140, "n": "-3"}), "n"),
            Some(0)
        );
        assert_eq!(percent(&object, "d"), None);
        assert_eq!(string(&object, "b").as_deref(), Some("40"));
        assert_eq!(string(&object, "d"), None);
        assert_eq!(non_empty(&object, "empty"), None);
        assert_eq!(strings(&object, "e"), ["one"]);
        assert_eq!(strings(&object, "f"), ["x", "1"]);
        assert!(strings(&object, "d").is_empty());
        assert_eq!(items(&object, "flat").map(<[Json]>::len), Ok(1));
        assert_eq!(items(&object, "wrapped").expect("a list")[0]["id"], 2);
        assert!(
            items(&object, "unknown")
                .expect("an empty wrapper")
                .is_empty()
        );
        assert_eq!(
            items(&object, "missing"),
            Err("the answer has no `missing` list".to_owned())
        );
        assert!(items(&object, "d").is_err());
        assert!(items(&object, "a").is_err());
        assert_eq!(count(&object, "b"), Ok(40));
        assert!(count(&object, "missing").is_err());
        assert!(require_fields(&[serde_json::json!({"id": 1})], "flat", &["id"]).is_ok());
        assert_eq!(
            require_fields(&[serde_json::json!({"id": null})], "flat", &["id"]),
            Err("item 0 of `flat` has no `id`".to_owned())
        );
    }

    #[test]
    fn both_time_formats_become_iso_8601() {
        let check = |text: &str, expected: &str| assert_eq!(normalise_time(text), expected);
        check("2020-08-20T14:52:28Z", "2020-08-20T14:52:28Z");
        check("2020-08-20 14:52:28", "2020-08-20T14:52:28Z");
        check("2024-01-01T00:00Z", "2024-01-01T00:00:00Z");
        check("2020-08-20T14:52:28+08:00", "2020-08-20T14:52:28+08:00");
        check("yesterday", "yesterday");
        check("", "");
    }
}
