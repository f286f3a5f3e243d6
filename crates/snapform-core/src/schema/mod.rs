//! The schemas of the resource types and provider blocks snapform knows: argument names, types,
//! whether a change forces replacement, and the constraints the clouds document.
//!
//! The schemas are part of the configuration language (DESIGN §3), so they live here rather than
//! in the provider crates: the loader validates against them before any provider exists, and the
//! providers implement the behaviour behind them. This module holds the model; each cloud's
//! catalogue (its resource types and provider block) is a submodule.

use std::fmt;

use crate::value::Value;

pub mod alicloud;
pub mod tencentcloud;

use AttrType::{Number, String as Str};
use Mutability::Updatable;

/// The type of an argument or attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrType {
    /// A string; numbers and bools convert to it.
    String,
    /// A number.
    Number,
    /// A bool.
    Bool,
    /// A set of strings; order does not matter and duplicates are an error.
    SetOfString,
    /// A list of strings.
    ListOfString,
    /// A map from string to string.
    MapOfString,
}

impl fmt::Display for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AttrType::String => "string",
            AttrType::Number => "number",
            AttrType::Bool => "bool",
            AttrType::SetOfString => "set(string)",
            AttrType::ListOfString => "list(string)",
            AttrType::MapOfString => "map(string)",
        })
    }
}

/// What a change of the argument does to an existing resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutability {
    /// The cloud has no API to change it: a new value replaces the resource.
    ForceNew,
    /// The cloud can change it in place.
    Updatable,
}

/// A rule an argument's value must follow, checked before any API call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constraint {
    /// Length in characters, inclusive on both ends.
    Length {
        /// Fewest characters allowed.
        min: usize,
        /// Most characters allowed.
        max: usize,
    },
    /// The first character must be a letter.
    StartsWithLetter,
    /// Only letters, digits and the listed extra characters.
    LettersDigitsAnd(&'static [char]),
    /// Must not start with `http://` or `https://`.
    NoUrlPrefix,
    /// Must start with `http://` or `https://`.
    UrlPrefix,
    /// Must not start with this prefix (compared ignoring case).
    ReservedPrefix {
        /// The reserved prefix.
        prefix: &'static str,
        /// Why it is reserved, shown as help.
        why: &'static str,
    },
    /// One of these values.
    OneOf {
        /// The allowed values.
        values: &'static [&'static str],
        /// Whether `SYSTEM` matches `system`.
        ignore_case: bool,
    },
    /// A cloud ID: this prefix, then letters and digits, as many as `length` says when the
    /// cloud documents it (`disk-` and eight characters).
    IdPrefix {
        /// For example `disk-`.
        prefix: &'static str,
        /// What the ID names, for messages (`disk`, `Lighthouse instance`).
        what: &'static str,
        /// How many characters follow the prefix, when the cloud documents it.
        length: Option<usize>,
    },
    /// A region or edge node ID such as `ap-guangzhou` or `cn-shenzhen-3`.
    RegionId,
    /// At least this many items.
    MinItems(usize),
    /// A positive number.
    Positive,
}

/// Why a value breaks a constraint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Stable diagnostic code.
    pub code: &'static str,
    /// The message, naming the argument.
    pub message: String,
    /// What is allowed, and what the value has.
    pub help: Option<String>,
}

impl Constraint {
    /// Checks a known string value of argument `name`.
    pub fn check_str(&self, name: &str, text: &str) -> Result<(), Violation> {
        let n_chars = text.chars().count();
        let fail = |code, message: String, help: Option<String>| {
            Err(Violation {
                code,
                message,
                help,
            })
        };
        match *self {
            Constraint::Length { max, .. } if n_chars > max => fail(
                "value-too-long",
                format!("`{name}` is longer than {max} characters"),
                Some(format!(
                    "the limit is {max} characters; this value has {n_chars}"
                )),
            ),
            Constraint::Length { min, .. } if n_chars < min => fail(
                "value-too-short",
                format!("`{name}` is shorter than {min} characters"),
                Some(format!(
                    "it must have at least {min} characters; this value has {n_chars}"
                )),
            ),
            Constraint::Length { .. } => Ok(()),
            Constraint::StartsWithLetter => match text.chars().next() {
                Some(first) if first.is_alphabetic() => Ok(()),
                Some(first) => fail(
                    "invalid-first-character",
                    format!("`{name}` must start with a letter"),
                    Some(format!("it starts with {first:?}")),
                ),
                None => fail(
                    "invalid-first-character",
                    format!("`{name}` must start with a letter"),
                    Some("it is empty".to_owned()),
                ),
            },
            Constraint::LettersDigitsAnd(extra) => {
                match text
                    .chars()
                    .find(|ch| !(ch.is_alphanumeric() || extra.contains(ch)))
                {
                    None => Ok(()),
                    Some(bad) => {
                        let allowed: Vec<String> =
                            extra.iter().map(|ch| format!("`{ch}`")).collect();
                        fail(
                            "invalid-character",
                            format!("`{name}` contains {bad:?}, which is not allowed"),
                            Some(format!(
                                "allowed characters: letters, digits, {}",
                                allowed.join(", ")
                            )),
                        )
                    }
                }
            }
            Constraint::NoUrlPrefix => {
                let lower = text.to_ascii_lowercase();
                if lower.starts_with("http://") || lower.starts_with("https://") {
                    fail(
                        "url-prefix",
                        format!("`{name}` must not start with http:// or https://"),
                        None,
                    )
                } else {
                    Ok(())
                }
            }
            Constraint::UrlPrefix => {
                if text.starts_with("http://") || text.starts_with("https://") {
                    Ok(())
                } else {
                    fail(
                        "missing-url-scheme",
                        format!("`{name}` must start with http:// or https://"),
                        Some(match text.split_once("://") {
                            // Another scheme: keep the rest of the address.
                            Some((_, rest)) => format!("for example \"https://{rest}\""),
                            None => format!("for example \"https://{text}\""),
                        }),
                    )
                }
            }
            Constraint::ReservedPrefix { prefix, why } => {
                if text.to_lowercase().starts_with(prefix) {
                    fail(
                        "reserved-prefix",
                        format!("`{name}` must not start with `{prefix}`"),
                        Some(why.to_owned()),
                    )
                } else {
                    Ok(())
                }
            }
            Constraint::OneOf {
                values,
                ignore_case,
            } => {
                let found = values.iter().any(|allowed| {
                    if ignore_case {
                        allowed.eq_ignore_ascii_case(text)
                    } else {
                        *allowed == text
                    }
                });
                if found {
                    Ok(())
                } else {
                    let listed: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                    let case = if ignore_case { " (in any case)" } else { "" };
                    fail(
                        "invalid-enum-value",
                        format!("`{name}` must be one of {}", listed.join(", ")),
                        Some(format!(
                            "allowed values: {}{case}; got {text:?}",
                            values.join(", ")
                        )),
                    )
                }
            }
            Constraint::IdPrefix {
                prefix,
                what,
                length,
            } => {
                let rest = text.strip_prefix(prefix);
                let example = format!("{prefix}{}", "x".repeat(length.unwrap_or(8)));
                match rest {
                    Some(rest)
                        if !rest.is_empty()
                            && rest.chars().all(|ch| ch.is_ascii_alphanumeric())
                            && length.is_none_or(|length| rest.chars().count() == length) =>
                    {
                        Ok(())
                    }
                    Some(rest)
                        if !rest.is_empty()
                            && rest.chars().all(|ch| ch.is_ascii_alphanumeric()) =>
                    {
                        fail(
                            "invalid-id",
                            format!(
                                "`{name}` is not {} {what} ID: `{prefix}` is followed by {} characters, not {}",
                                article(what),
                                rest.chars().count(),
                                length.unwrap_or_default()
                            ),
                            Some(format!("{what} IDs look like {example}; got {text:?}")),
                        )
                    }
                    _ => fail(
                        "invalid-id",
                        format!(
                            "`{name}` must be {} {what} ID starting with `{prefix}`",
                            article(what)
                        ),
                        Some(format!(
                            "{what} IDs look like {example} (letters and digits after the prefix); got {text:?}"
                        )),
                    ),
                }
            }
            Constraint::RegionId => {
                let valid = text.split('-').count() >= 2
                    && text.split('-').all(|part| {
                        !part.is_empty()
                            && part
                                .chars()
                                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                    });
                if valid {
                    Ok(())
                } else {
                    fail(
                        "invalid-region",
                        format!("`{name}` is not a valid region ID"),
                        Some(format!(
                            "region IDs are lowercase words joined by `-`, such as ap-guangzhou or cn-shenzhen-3; got {text:?}"
                        )),
                    )
                }
            }
            Constraint::MinItems(_) | Constraint::Positive => Ok(()),
        }
    }

    /// Checks a whole known value; string rules apply to strings, item rules to collections.
    pub fn check(&self, name: &str, value: &Value) -> Result<(), Violation> {
        match (self, value) {
            (Constraint::MinItems(min), Value::List(items) | Value::Set(items))
                if items.len() < *min =>
            {
                Err(Violation {
                    code: "too-few-items",
                    message: format!("`{name}` must contain at least {min} item{}", plural(*min)),
                    help: Some(format!("it has {}", items.len())),
                })
            }
            (Constraint::Positive, Value::Number(number)) if *number <= 0.0 => Err(Violation {
                code: "not-positive",
                message: format!("`{name}` must be greater than zero"),
                help: None,
            }),
            (_, Value::String(text)) => self.check_str(name, text),
            _ => Ok(()),
        }
    }
}

/// "a" or "an" before `word`.
fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One argument of a resource or provider block.
#[derive(Debug)]
pub struct ArgumentSchema {
    /// The argument name, as in the official Terraform provider.
    pub name: &'static str,
    /// Its type.
    pub ty: AttrType,
    /// Whether the block must set it.
    pub required: bool,
    /// What a change does.
    pub mutability: Mutability,
    /// Secrets are never written to state, plans or output.
    pub sensitive: bool,
    /// Rules for the whole value.
    pub constraints: &'static [Constraint],
    /// Rules for each item of a collection.
    pub item_constraints: &'static [Constraint],
    /// One line for documentation and help.
    pub description: &'static str,
}

/// An attribute the cloud computes and snapform records.
#[derive(Debug)]
pub struct ComputedSchema {
    /// The attribute name.
    pub name: &'static str,
    /// Its type.
    pub ty: AttrType,
}

/// A resource type.
#[derive(Debug)]
pub struct ResourceSchema {
    /// For example `tencentcloud_cbs_disk_backup`.
    pub type_name: &'static str,
    /// `tencentcloud` or `alicloud`.
    pub provider: &'static str,
    /// What it is, in one line.
    pub description: &'static str,
    /// The prefix of the IDs the cloud gives it.
    pub id_prefixes: &'static [&'static str],
    /// The arguments a configuration sets.
    pub arguments: &'static [ArgumentSchema],
    /// The attributes the cloud computes (besides `id`).
    pub computed: &'static [ComputedSchema],
    /// The cloud objects the resource snapshots (disks, instances, desktops), each named by
    /// an argument holding one ID or a set of them. The clouds refuse a second snapshot of an
    /// object while one is being made, so two operations sharing one never run at once.
    pub parents: &'static [Parent],
    /// Among operations that share a parent, this type's go first: a snapshot group holds
    /// every disk it names at once, so it goes before the backups of single disks.
    pub ordered_first: bool,
    /// The computed attribute holding when the cloud created the object (RFC 3339).
    pub created_attribute: &'static str,
    /// The argument that names a snapshot, with which a lookup after a lost answer tells
    /// snapshots of one parent apart.
    pub name_argument: &'static str,
    /// Whether a create is tagged with its intent and a lookup finds it by that tag, so its
    /// name does not need to tell it apart.
    pub found_by_intent_tag: bool,
    /// The attributes the official Terraform provider's state names differently, as
    /// `(Terraform's name, ours)`; every other attribute has the same name in both, so a
    /// Terraform state converts by this table alone.
    pub terraform_renames: &'static [(&'static str, &'static str)],
}

/// Schemas are static and one per type: two are equal when they are the same type.
impl PartialEq for ResourceSchema {
    fn eq(&self, other: &ResourceSchema) -> bool {
        self.type_name == other.type_name
    }
}

impl Eq for ResourceSchema {}

/// A cloud object a resource snapshots, named by one of its arguments.
#[derive(Debug)]
pub struct Parent {
    /// The argument holding its ID (or a set of IDs).
    pub argument: &'static str,
    /// What kind of object it is, shared by every type that snapshots the same kind
    /// (`disk` for CBS backups and snapshot groups), so their keys meet.
    pub kind: &'static str,
}

impl ResourceSchema {
    /// The argument called `name`.
    pub fn argument(&self, name: &str) -> Option<&'static ArgumentSchema> {
        self.arguments.iter().find(|arg| arg.name == name)
    }

    /// Our name of the attribute a Terraform state calls `name`.
    pub fn from_terraform_name<'a>(&self, name: &'a str) -> &'a str {
        self.terraform_renames
            .iter()
            .find(|(terraform, _)| *terraform == name)
            .map_or(name, |(_, ours)| ours)
    }

    /// Whether `name` is an argument, a computed attribute or `id`.
    pub fn has_attribute(&self, name: &str) -> bool {
        name == "id"
            || self.argument(name).is_some()
            || self.computed.iter().any(|attr| attr.name == name)
    }

    /// The parents an operation on a resource with these arguments touches, as `kind:id`
    /// keys: two operations with a key in common must not run at once.
    pub fn conflict_keys(
        &self,
        arguments: &std::collections::BTreeMap<String, Value>,
    ) -> Vec<String> {
        let mut keys = Vec::new();
        for parent in self.parents {
            match arguments.get(parent.argument) {
                Some(Value::String(id)) => keys.push(format!("{}:{id}", parent.kind)),
                Some(Value::List(ids) | Value::Set(ids)) => keys.extend(
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(|id| format!("{}:{id}", parent.kind)),
                ),
                _ => {}
            }
        }
        keys
    }

    /// Every attribute name: `id`, the arguments, then the computed attributes.
    pub fn attribute_names(&self) -> Vec<&'static str> {
        std::iter::once("id")
            .chain(self.arguments.iter().map(|arg| arg.name))
            .chain(self.computed.iter().map(|attr| attr.name))
            .collect()
    }
}

/// A provider block type.
#[derive(Debug)]
pub struct ProviderSchema {
    /// `tencentcloud` or `alicloud`.
    pub name: &'static str,
    /// The arguments of its block (besides `alias`).
    pub arguments: &'static [ArgumentSchema],
}

impl ProviderSchema {
    /// The argument called `name`.
    pub fn argument(&self, name: &str) -> Option<&'static ArgumentSchema> {
        self.arguments.iter().find(|arg| arg.name == name)
    }
}

pub(crate) const fn arg(
    name: &'static str,
    ty: AttrType,
    required: bool,
    mutability: Mutability,
    constraints: &'static [Constraint],
    description: &'static str,
) -> ArgumentSchema {
    ArgumentSchema {
        name,
        ty,
        required,
        mutability,
        sensitive: false,
        constraints,
        item_constraints: &[],
        description,
    }
}

pub(crate) const fn computed(name: &'static str, ty: AttrType) -> ComputedSchema {
    ComputedSchema { name, ty }
}

pub(crate) const NO_URL: Constraint = Constraint::NoUrlPrefix;
pub(crate) const STARTS_WITH_LETTER: Constraint = Constraint::StartsWithLetter;
pub(crate) const NOT_AUTO: Constraint = Constraint::ReservedPrefix {
    prefix: "auto",
    why: "names starting with `auto` are reserved for automatic snapshots",
};

pub(crate) const fn secret(name: &'static str, description: &'static str) -> ArgumentSchema {
    ArgumentSchema {
        sensitive: true,
        ..arg(name, Str, false, Updatable, &[], description)
    }
}

pub(crate) const REGION: ArgumentSchema = arg(
    "region",
    Str,
    false,
    Updatable,
    &[Constraint::RegionId],
    "The region API calls go to.",
);
pub(crate) const ENDPOINT: ArgumentSchema = arg(
    "endpoint",
    Str,
    false,
    Updatable,
    &[Constraint::UrlPrefix],
    "Sends every API call to this URL instead of the cloud's own endpoints.",
);
pub(crate) const CA_FILE: ArgumentSchema = arg(
    "ca_file",
    Str,
    false,
    Updatable,
    &[],
    "A PEM file of CA certificates to trust besides the system's, for an https endpoint such as the emulator's.",
);
pub(crate) const RATE_LIMIT: ArgumentSchema = arg(
    "rate_limit",
    Number,
    false,
    Updatable,
    &[Constraint::Positive],
    "Requests per second per API action (default 20).",
);

/// Every resource type, cloud by cloud.
static RESOURCE_SCHEMAS: [&ResourceSchema; 5] = [
    &tencentcloud::CBS_DISK_BACKUP,
    &tencentcloud::CBS_SNAPSHOT_GROUP,
    &tencentcloud::LIGHTHOUSE_SNAPSHOT,
    &alicloud::ECD_SNAPSHOT,
    &alicloud::ENS_SNAPSHOT,
];

/// Every resource type snapform manages.
pub fn resource_schemas() -> &'static [&'static ResourceSchema] {
    &RESOURCE_SCHEMAS
}

/// The schema of resource type `type_name`.
pub fn resource_schema(type_name: &str) -> Option<&'static ResourceSchema> {
    RESOURCE_SCHEMAS
        .iter()
        .copied()
        .find(|schema| schema.type_name == type_name)
}

/// The schema of provider `name`.
pub fn provider_schema(name: &str) -> Option<&'static ProviderSchema> {
    [&tencentcloud::PROVIDER, &alicloud::PROVIDER]
        .into_iter()
        .find(|schema| schema.name == name)
}

/// The names of every provider.
pub fn provider_names() -> [&'static str; 2] {
    ["tencentcloud", "alicloud"]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(constraint: Constraint, text: &str) -> Option<&'static str> {
        constraint.check_str("x", text).err().map(|v| v.code)
    }

    #[test]
    fn constraints_follow_the_documented_rules() {
        assert_eq!(
            violation(Constraint::Length { min: 2, max: 3 }, "abcd"),
            Some("value-too-long")
        );
        assert_eq!(
            violation(Constraint::Length { min: 2, max: 3 }, "a"),
            Some("value-too-short")
        );
        assert_eq!(
            violation(Constraint::Length { min: 0, max: 3 }, "абв"),
            None
        );
        assert_eq!(
            violation(STARTS_WITH_LETTER, "1a"),
            Some("invalid-first-character")
        );
        assert_eq!(violation(STARTS_WITH_LETTER, "快照"), None);
        assert_eq!(
            violation(Constraint::LettersDigitsAnd(&['_']), "a b"),
            Some("invalid-character")
        );
        assert_eq!(violation(NO_URL, "HTTPS://x"), Some("url-prefix"));
        assert_eq!(violation(NOT_AUTO, "AutoSnap"), Some("reserved-prefix"));
        let one_of = Constraint::OneOf {
            values: &["system", "data"],
            ignore_case: true,
        };
        assert_eq!(violation(one_of, "SYSTEM"), None);
        assert_eq!(violation(one_of, "root"), Some("invalid-enum-value"));
        let disk = Constraint::IdPrefix {
            prefix: "disk-",
            what: "disk",
            length: Some(8),
        };
        assert_eq!(violation(disk, "disk-abc12345"), None);
        assert_eq!(violation(disk, "disk-gr000096a"), Some("invalid-id"));
        assert_eq!(violation(disk, "disk-"), Some("invalid-id"));
        assert_eq!(violation(disk, "ins-abc"), Some("invalid-id"));
        assert_eq!(violation(Constraint::RegionId, "cn-shenzhen-3"), None);
        assert_eq!(
            violation(Constraint::RegionId, "Guangzhou"),
            Some("invalid-region")
        );
    }

    #[test]
    fn every_resource_type_has_a_schema() {
        let names: Vec<_> = resource_schemas().iter().map(|s| s.type_name).collect();
        assert_eq!(names.len(), 5);
        for schema in resource_schemas() {
            assert!(provider_schema(schema.provider).is_some());
            assert!(schema.arguments.iter().any(|arg| arg.required));
            for parent in schema.parents {
                assert!(
                    schema.argument(parent.argument).is_some(),
                    "{}",
                    parent.argument
                );
            }
        }
    }

    #[test]
    fn a_group_and_a_backup_of_one_disk_share_a_key() {
        let arguments: std::collections::BTreeMap<String, Value> = [
            ("disk_id".to_owned(), Value::string("disk-1")),
            (
                "disk_ids".to_owned(),
                Value::Set(vec![Value::string("disk-1"), Value::string("disk-2")]),
            ),
            ("instance_id".to_owned(), Value::string("lhins-1")),
        ]
        .into();
        let keys = |type_name| {
            resource_schema(type_name)
                .expect("a type")
                .conflict_keys(&arguments)
        };
        assert_eq!(keys("tencentcloud_cbs_disk_backup"), ["disk:disk-1"]);
        assert_eq!(
            keys("tencentcloud_cbs_snapshot_group"),
            ["disk:disk-1", "disk:disk-2"]
        );
        assert_eq!(
            keys("tencentcloud_lighthouse_snapshot"),
            ["lighthouse:lhins-1"]
        );
        assert!(
            resource_schema("tencentcloud_cbs_snapshot_group")
                .expect("a type")
                .ordered_first
        );
    }
}
