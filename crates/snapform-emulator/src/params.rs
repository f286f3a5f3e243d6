//! Reading action parameters: Tencent's JSON object and Alibaba's flat `Name.N` parameters.
//!
//! Type and presence errors become the cloud's own codes here, so action handlers can use `?`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::api::error::ApiError;

/// Rebuilds the structure that a flattened parameter list encodes (`Filters.0.Values.1=x`,
/// `Tag.1.Key=k`). Numeric segments are list positions counted from `first_index` (0 for
/// Tencent's form encoding, 1 for Alibaba's); all leaf values stay strings.
pub(crate) fn unflatten(pairs: &[(String, String)], first_index: usize) -> Value {
    let mut root = Value::Object(Map::new());
    for (name, value) in pairs {
        let segments: Vec<&str> = name.split('.').collect();
        insert(&mut root, &segments, value, first_index);
    }
    finish(root)
}

/// Intermediate lists are objects keyed by index; `finish` turns them into arrays.
fn insert(node: &mut Value, segments: &[&str], value: &str, first_index: usize) {
    let Some((head, rest)) = segments.split_first() else {
        return;
    };
    let key = match head.parse::<usize>() {
        Ok(index) if index >= first_index => format!("#{:010}", index - first_index),
        _ => (*head).to_owned(),
    };
    let Value::Object(map) = node else {
        return;
    };
    if rest.is_empty() {
        map.insert(key, Value::String(value.to_owned()));
    } else {
        let child = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if !child.is_object() {
            *child = Value::Object(Map::new());
        }
        insert(child, rest, value, first_index);
    }
}

fn finish(node: Value) -> Value {
    match node {
        Value::Object(map) => {
            if !map.is_empty() && map.keys().all(|key| key.starts_with('#')) {
                // Keys are zero-padded, so the map's order is the index order.
                Value::Array(map.into_iter().map(|(_, child)| finish(child)).collect())
            } else {
                Value::Object(map.into_iter().map(|(k, v)| (k, finish(v))).collect())
            }
        }
        other => other,
    }
}

/// One Tencent `Filters` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub(crate) name: String,
    pub(crate) values: Vec<String>,
}

/// A tag `{Key, Value}` as both clouds write it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Tag {
    #[serde(rename = "Key")]
    pub(crate) key: String,
    #[serde(rename = "Value")]
    pub(crate) value: String,
}

/// Tencent parameters: the JSON body (or the unflattened form of a GET/form request, where
/// every scalar is a string, which is why numbers and booleans also accept strings).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TcParams<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> TcParams<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        Self { map }
    }

    /// `UnknownParameter` for any key the action does not take.
    pub(crate) fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        match self.map.keys().find(|key| !known.contains(&key.as_str())) {
            Some(key) => Err(ApiError::new(
                "UnknownParameter",
                format!("The parameter `{key}` is not recognized."),
            )),
            None => Ok(()),
        }
    }

    pub(crate) fn string(&self, name: &str) -> Result<Option<&'a str>, ApiError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(invalid_type(name)),
        }
    }

    pub(crate) fn required_string(&self, name: &str) -> Result<&'a str, ApiError> {
        self.string(name)?.ok_or_else(|| missing(name))
    }

    pub(crate) fn string_list(&self, name: &str) -> Result<Option<Vec<&'a str>>, ApiError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().ok_or_else(|| invalid_type(name)))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(invalid_type(name)),
        }
    }

    /// A list that must hold at least one item.
    pub(crate) fn required_string_list(&self, name: &str) -> Result<Vec<&'a str>, ApiError> {
        match self.string_list(name)? {
            Some(items) if !items.is_empty() => Ok(items),
            _ => Err(missing(name)),
        }
    }

    pub(crate) fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => {
                number.as_i64().map(Some).ok_or_else(|| invalid_type(name))
            }
            Some(Value::String(text)) => text.parse().map(Some).map_err(|_| invalid_type(name)),
            Some(_) => Err(invalid_type(name)),
        }
    }

    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(Value::String(text)) => match text.to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(invalid_type(name)),
            },
            Some(_) => Err(invalid_type(name)),
        }
    }

    /// `Filters`: `[{"Name": ..., "Values": [...]}]`.
    pub(crate) fn filters(&self) -> Result<Option<Vec<Filter>>, ApiError> {
        let items = match self.map.get("Filters") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(invalid_type("Filters")),
        };
        items
            .iter()
            .map(|item| {
                let name = item
                    .get("Name")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid_type("Filters.Name"))?;
                let values = match item.get("Values") {
                    Some(Value::Array(values)) => values
                        .iter()
                        .map(|value| {
                            value
                                .as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| invalid_type("Filters.Values"))
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    _ => return Err(invalid_type("Filters.Values")),
                };
                Ok(Filter {
                    name: name.to_owned(),
                    values,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// `Tags`: `[{"Key": ..., "Value": ...}]`.
    pub(crate) fn tags(&self) -> Result<Vec<Tag>, ApiError> {
        match self.map.get("Tags") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(value) => serde_json::from_value(value.clone()).map_err(|_| invalid_type("Tags")),
        }
    }
}

fn invalid_type(name: &str) -> ApiError {
    ApiError::new(
        "InvalidParameter",
        format!("The value type of parameter `{name}` is invalid."),
    )
}

/// Tencent Cloud's `MissingParameter`.
pub(crate) fn missing(name: &str) -> ApiError {
    ApiError::new(
        "MissingParameter",
        format!("The request is missing a required parameter `{name}`."),
    )
}

/// Alibaba RPC parameters: query plus form body, decoded, later names winning.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlatParams {
    map: BTreeMap<String, String>,
}

impl FlatParams {
    pub(crate) fn new(pairs: Vec<(String, String)>) -> Self {
        Self {
            map: pairs.into_iter().collect(),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// The value, or the error `code` ("MissingParameter", "MissingDesktopId", ...).
    pub(crate) fn required(&self, name: &str, code: &str) -> Result<&str, ApiError> {
        match self.get(name) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(ApiError::new(
                code,
                format!(
                    "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
                ),
            )),
        }
    }

    /// The repeat list `Name.1`, `Name.2`, ... in index order.
    pub(crate) fn list(&self, name: &str) -> Vec<&str> {
        let prefix = format!("{name}.");
        let mut items: Vec<(usize, &str)> = self
            .map
            .range(prefix.clone()..)
            .take_while(|(key, _)| key.starts_with(&prefix))
            .filter_map(|(key, value)| {
                key[prefix.len()..]
                    .parse::<usize>()
                    .ok()
                    .map(|index| (index, value.as_str()))
            })
            .collect();
        items.sort_by_key(|(index, _)| *index);
        items.into_iter().map(|(_, value)| value).collect()
    }

    /// An integer parameter; a non-number gets `code`.
    pub(crate) fn integer(&self, name: &str, code: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                ApiError::new(
                    code,
                    format!("The specified parameter \"{name}\" is not valid."),
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stringify(value: &Value) -> Option<Value> {
        match value {
            Value::Null => None,
            Value::Bool(flag) => Some(Value::String(
                if *flag { "True" } else { "False" }.to_owned(),
            )),
            Value::Number(number) => Some(Value::String(number.to_string())),
            Value::String(_) => Some(value.clone()),
            Value::Array(items) if items.is_empty() => None,
            Value::Array(items) => Some(Value::Array(items.iter().filter_map(stringify).collect())),
            Value::Object(map) => Some(Value::Object(
                map.iter()
                    .filter_map(|(k, v)| stringify(v).map(|v| (k.clone(), v)))
                    .collect(),
            )),
        }
    }

    /// Every flattening vector made by the SDKs rebuilds to its structured input.
    #[test]
    fn flattening_vectors_unflatten_to_their_input() {
        let file: Value = serde_json::from_str(include_str!(
            "../testdata/vectors/acs-rpc-param-flattening.json"
        ))
        .expect("vector file");
        let mut checked = 0;
        for case in file["cases"].as_array().expect("cases") {
            let Some(flattened) = case["flattened"].as_array() else {
                continue;
            };
            let id = case["id"].as_str().expect("id");
            let first_index = if case["provider"] == "tencent" { 0 } else { 1 };
            let pairs: Vec<(String, String)> = flattened
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().expect("name").to_owned(),
                        match &pair[1] {
                            Value::String(text) => text.clone(),
                            other => other.to_string(),
                        },
                    )
                })
                .collect();
            let mut expected = stringify(&case["input"]).expect("input");
            // Parameters the product client sent as JSON text are strings on the wire.
            if let Some(styles) = case["styles"].as_object() {
                for name in styles.keys() {
                    let text = serde_json::to_string(&case["input"][name]).expect("json");
                    expected[name] = Value::String(text.replace(", ", ",").replace(": ", ":"));
                }
            }
            assert_eq!(unflatten(&pairs, first_index), expected, "{id}");
            checked += 1;
        }
        assert!(checked >= 8, "only {checked} flattening cases checked");
    }

    #[test]
    fn repeat_lists_sort_numerically() {
        let params = FlatParams::new(
            (1..=11)
                .map(|n| (format!("SnapshotId.{n}"), format!("s-{n:02}")))
                .chain([("SnapshotIdX".to_owned(), "no".to_owned())])
                .collect(),
        );
        let list = params.list("SnapshotId");
        assert_eq!(list.len(), 11);
        assert_eq!(list[1], "s-02");
        assert_eq!(list[10], "s-11");
    }

    #[test]
    fn tencent_scalars_accept_strings() {
        let map = serde_json::json!({"Limit": "20", "Offset": 5, "Flag": "TRUE", "Bad": [1]});
        let params = TcParams::new(map.as_object().expect("object"));
        assert_eq!(params.integer("Limit").ok(), Some(Some(20)));
        assert_eq!(params.integer("Offset").ok(), Some(Some(5)));
        assert_eq!(params.boolean("Flag").ok(), Some(Some(true)));
        assert_eq!(
            params.string("Bad").map_err(|error| error.code),
            Err("InvalidParameter".to_owned())
        );
        assert_eq!(
            params
                .required_string("Missing")
                .map_err(|error| error.code),
            Err("MissingParameter".to_owned())
        );
        assert!(params.only(&["Limit", "Offset", "Flag"]).is_err());
    }
}
