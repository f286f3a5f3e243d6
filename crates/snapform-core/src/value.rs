//! Configuration values, including the "unknown until apply" value.

use std::collections::BTreeMap;
use std::fmt;

/// A value of the configuration language.
///
/// `Unknown` stands for a value that only apply can tell, such as the ID of a snapshot that
/// does not exist yet. Operations on an unknown value give an unknown value, so the unknown
/// travels through references and templates to the plan, which shows it as
/// `(known after apply)`.
///
/// `Sensitive` marks a value derived from a `sensitive` variable, local, output or argument,
/// as Terraform's marks do: operations on it give a marked result, and every human view shows
/// it as `(sensitive value)`. Marks exist only while the configuration is evaluated; the loader
/// strips them into per-argument sets before values reach the planner, the state or a file.
/// A mark around `Unknown` stands for a sensitive value that a plan file does not carry.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// The absence of a value; an argument set to null counts as not set.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Every number is a 64-bit float, as in HCL; whole numbers print without a fraction.
    Number(f64),
    /// A UTF-8 string.
    String(String),
    /// An ordered sequence (HCL tuples and lists).
    List(Vec<Value>),
    /// An unordered collection without duplicates.
    ///
    /// Invariant: sorted by [`Value::sort_key`] with no duplicates; build it with
    /// [`Value::set`].
    Set(Vec<Value>),
    /// Objects and maps, keyed by string.
    Map(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown,
    /// A sensitive value; never nested directly in another mark.
    Sensitive(Box<Value>),
}

impl Value {
    /// A set of `items`, deduplicated and sorted.
    pub fn set(items: impl IntoIterator<Item = Value>) -> Value {
        let mut items: Vec<Value> = items.into_iter().collect();
        items.sort_by_cached_key(Value::sort_key);
        items.dedup();
        Value::Set(items)
    }

    /// `value`, marked sensitive (once, however often it is marked).
    pub fn sensitive(value: Value) -> Value {
        match value {
            Value::Sensitive(_) => value,
            other => Value::Sensitive(Box::new(other)),
        }
    }

    /// `self`, marked sensitive when `marked`.
    pub fn marked_if(self, marked: bool) -> Value {
        if marked { Value::sensitive(self) } else { self }
    }

    /// The value without its own mark, and whether it had one; marks inside stay.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (*inner, true),
            other => (other, false),
        }
    }

    /// The value with every mark removed, and whether it had any.
    pub fn unmark_deep(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.unmark_deep().0, true),
            Value::List(items) => {
                let (items, marked) = unmark_items(items);
                (Value::List(items), marked)
            }
            Value::Set(items) => {
                let (items, marked) = unmark_items(items);
                (Value::set(items), marked)
            }
            Value::Map(entries) => {
                let mut marked = false;
                let entries = entries
                    .into_iter()
                    .map(|(key, value)| {
                        let (value, inner) = value.unmark_deep();
                        marked |= inner;
                        (key, value)
                    })
                    .collect();
                (Value::Map(entries), marked)
            }
            other => (other, false),
        }
    }

    /// Whether the value, or anything inside it, is marked sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) | Value::Set(items) => items.iter().any(Value::contains_sensitive),
            Value::Map(entries) => entries.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// A string value.
    pub fn string(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    /// The order sets are kept in: by type, then by the value's canonical text.
    pub fn sort_key(&self) -> (u8, String) {
        let rank = match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::List(_) => 4,
            Value::Set(_) => 5,
            Value::Map(_) => 6,
            Value::Unknown => 7,
            Value::Sensitive(inner) => return inner.sort_key(),
        };
        let text = match self {
            Value::String(text) => text.clone(),
            Value::Number(number) => format!("{number:030.10}"),
            other => other.to_string(),
        };
        (rank, text)
    }

    /// The type's name as users write it in messages: `string`, `number`, `bool`, `list`,
    /// `set`, `map`, `null`, or `unknown`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Unknown => "unknown",
            Value::Sensitive(inner) => inner.type_name(),
        }
    }

    /// Whether the value, or anything inside it, is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Sensitive(inner) => inner.contains_unknown(),
            Value::List(items) | Value::Set(items) => items.iter().any(Value::contains_unknown),
            Value::Map(entries) => entries.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// Numbers, and strings that spell numbers, as HCL converts them.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// Whether the value is wholly known.
    pub fn is_known(&self) -> bool {
        !self.contains_unknown()
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// Converts a primitive to the text HCL templates would insert; `None` for null,
    /// collections and unknown values.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(format_number(*number)),
            Value::Bool(flag) => Some(flag.to_string()),
            _ => None,
        }
    }

    /// The value as JSON; unknown values become `null`, as in Terraform's JSON plan, where a
    /// separate `after_unknown` tree says which were unknown.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Unknown => serde_json::Value::Null,
            Value::Sensitive(inner) => inner.to_json(),
            Value::Bool(flag) => serde_json::Value::Bool(*flag),
            Value::Number(number) => number_to_json(*number),
            Value::String(text) => serde_json::Value::String(text.clone()),
            Value::List(items) | Value::Set(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Reads a JSON value; arrays become lists and objects become maps.
    pub fn from_json(json: &serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(*flag),
            serde_json::Value::Number(number) => Value::Number(number.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(text) => Value::String(text.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), Value::from_json(value)))
                    .collect(),
            ),
        }
    }
}

fn unmark_items(items: Vec<Value>) -> (Vec<Value>, bool) {
    let mut marked = false;
    let items = items
        .into_iter()
        .map(|item| {
            let (item, inner) = item.unmark_deep();
            marked |= inner;
            item
        })
        .collect();
    (items, marked)
}

fn number_to_json(number: f64) -> serde_json::Value {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        serde_json::Value::from(number as i64)
    } else {
        serde_json::Number::from_f64(number)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Formats a number the way HCL prints it: whole numbers without a fraction.
pub fn format_number(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 9.0e15 {
        format!("{}", number as i64)
    } else {
        format!("{number}")
    }
}

/// Quotes a string as an HCL string literal.
pub fn quote(text: &str) -> String {
    let mut res = String::with_capacity(text.len() + 2);
    res.push('"');
    for ch in text.chars() {
        match ch {
            '"' => res.push_str("\\\""),
            '\\' => res.push_str("\\\\"),
            '\n' => res.push_str("\\n"),
            '\r' => res.push_str("\\r"),
            '\t' => res.push_str("\\t"),
            ch if ch.is_control() => res.push_str(&format!("\\u{:04x}", ch as u32)),
            ch => res.push(ch),
        }
    }
    res.push('"');
    res
}

/// The text of a literal [`quote`] wrote, quotes included; `None` when it is not one.
pub fn unquote(literal: &str) -> Option<String> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut res = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\\' => match chars.next()? {
                '"' => res.push('"'),
                '\\' => res.push('\\'),
                'n' => res.push('\n'),
                'r' => res.push('\r'),
                't' => res.push('\t'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16)
                        .ok()
                        .filter(|_| hex.len() == 4)?;
                    res.push(char::from_u32(code)?);
                }
                _ => return None,
            },
            '"' => return None,
            ch => res.push(ch),
        }
    }
    Some(res)
}

/// Renders values in HCL syntax on one line, with `(known after apply)` for unknowns.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(flag) => write!(f, "{flag}"),
            Value::Number(number) => f.write_str(&format_number(*number)),
            Value::String(text) => f.write_str(&quote(text)),
            Value::List(items) | Value::Set(items) => {
                f.write_str("[")?;
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) if entries.is_empty() => f.write_str("{}"),
            Value::Map(entries) => {
                f.write_str("{ ")?;
                for (idx, (key, value)) in entries.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(", ")?;
                    }
                    if is_identifier(key) {
                        write!(f, "{key} = {value}")?;
                    } else {
                        write!(f, "{} = {value}", quote(key))?;
                    }
                }
                f.write_str(" }")
            }
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

/// Whether `text` is a valid HCL identifier (letters, digits, `_` and `-`, not starting with a
/// digit or `-`).
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_alphabetic() || first == '_' => {}
        _ => return false,
    }
    chars.all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_and_unique() {
        let set = Value::set([Value::string("b"), Value::string("a"), Value::string("b")]);
        assert_eq!(
            set,
            Value::Set(vec![Value::string("a"), Value::string("b")])
        );
    }

    #[test]
    fn display_is_hcl() {
        let mut map = BTreeMap::new();
        map.insert("env".to_owned(), Value::string("prod"));
        map.insert("a b".to_owned(), Value::Number(2.0));
        assert_eq!(
            Value::Map(map).to_string(),
            r#"{ "a b" = 2, env = "prod" }"#
        );
        assert_eq!(Value::Number(1.5).to_string(), "1.5");
        assert_eq!(Value::Unknown.to_string(), "(known after apply)");
        assert_eq!(Value::string("a\"b").to_string(), r#""a\"b""#);
        assert_eq!(
            Value::sensitive(Value::string("s3cr3t")).to_string(),
            "(sensitive value)"
        );
    }

    #[test]
    fn marks_come_off_deep_and_are_never_doubled() {
        let secret = Value::sensitive(Value::sensitive(Value::string("s")));
        assert_eq!(secret, Value::Sensitive(Box::new(Value::string("s"))));
        let nested = Value::List(vec![Value::string("a"), secret]);
        assert!(nested.contains_sensitive());
        assert_eq!(
            nested.unmark_deep(),
            (
                Value::List(vec![Value::string("a"), Value::string("s")]),
                true
            )
        );
        assert!(!Value::sensitive(Value::Unknown).is_known());
    }
}
