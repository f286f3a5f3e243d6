//! The schemas of the resource types and provider blocks snapform knows: argument names, types,
//! whether a change forces replacement, and the constraints the clouds document.
//!
//! The schemas are part of the configuration language (DESIGN §3), so they live here rather than
//! in the provider crates: the loader validates against them before any provider exists, and the
//! providers implement the behaviour behind them.

use std::fmt;

use crate::value::Value;

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
    /// A cloud ID: this prefix, then letters and digits.
    IdPrefix {
        /// For example `disk-`.
        prefix: &'static str,
        /// What the ID names, for messages (`disk`, `Lighthouse instance`).
        what: &'static str,
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
                        Some(format!("for example \"https://{text}\"")),
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
            Constraint::IdPrefix { prefix, what } => {
                let rest = text.strip_prefix(prefix);
                match rest {
                    Some(rest)
                        if !rest.is_empty()
                            && rest.chars().all(|ch| ch.is_ascii_alphanumeric()) =>
                    {
                        Ok(())
                    }
                    _ => fail(
                        "invalid-id",
                        format!(
                            "`{name}` must be {} {what} ID starting with `{prefix}`",
                            article(what)
                        ),
                        Some(format!(
                            "{what} IDs look like {prefix}xxxxxxxx (letters and digits after the prefix); got {text:?}"
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
}

impl ResourceSchema {
    /// The argument called `name`.
    pub fn argument(&self, name: &str) -> Option<&'static ArgumentSchema> {
        self.arguments.iter().find(|arg| arg.name == name)
    }

    /// Whether `name` is an argument, a computed attribute or `id`.
    pub fn has_attribute(&self, name: &str) -> bool {
        name == "id"
            || self.argument(name).is_some()
            || self.computed.iter().any(|attr| attr.name == name)
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

const fn arg(
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

const fn computed(name: &'static str, ty: AttrType) -> ComputedSchema {
    ComputedSchema { name, ty }
}

use AttrType::{MapOfString, Number, SetOfString, String as Str};
use Mutability::{ForceNew, Updatable};

const NO_URL: Constraint = Constraint::NoUrlPrefix;
const STARTS_WITH_LETTER: Constraint = Constraint::StartsWithLetter;
const NOT_AUTO: Constraint = Constraint::ReservedPrefix {
    prefix: "auto",
    why: "names starting with `auto` are reserved for automatic snapshots",
};

/// `tencentcloud_cbs_disk_backup`: a CBS disk backup point (`CreateDiskBackup`).
pub static CBS_DISK_BACKUP: ResourceSchema = ResourceSchema {
    type_name: "tencentcloud_cbs_disk_backup",
    provider: "tencentcloud",
    description: "A backup point of one CBS cloud disk.",
    id_prefixes: &["dbp-"],
    arguments: &[
        arg(
            "disk_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "disk-",
                what: "disk",
            }],
            "The disk to back up.",
        ),
        arg(
            "disk_backup_name",
            Str,
            false,
            ForceNew,
            &[Constraint::Length { min: 0, max: 100 }],
            "The backup point's name, up to 100 characters.",
        ),
    ],
    computed: &[
        computed("disk_backup_state", Str),
        computed("percent", Number),
        computed("disk_size", Number),
        computed("create_time", Str),
    ],
};

/// `tencentcloud_cbs_snapshot_group`: a snapshot of several disks of one instance
/// (`CreateSnapshotGroup`).
pub static CBS_SNAPSHOT_GROUP: ResourceSchema = ResourceSchema {
    type_name: "tencentcloud_cbs_snapshot_group",
    provider: "tencentcloud",
    description: "A snapshot group of disks mounted on one instance.",
    id_prefixes: &["csnap-"],
    arguments: &[
        ArgumentSchema {
            item_constraints: &[Constraint::IdPrefix {
                prefix: "disk-",
                what: "disk",
            }],
            ..arg(
                "disk_ids",
                SetOfString,
                true,
                ForceNew,
                &[Constraint::MinItems(1)],
                "The disks to snapshot, all mounted on one instance.",
            )
        },
        arg(
            "snapshot_group_name",
            Str,
            false,
            ForceNew,
            &[],
            "The group's name; its snapshots are named NAME_0, NAME_1, ...",
        ),
        arg(
            "tags",
            MapOfString,
            false,
            ForceNew,
            &[],
            "Tags bound at creation.",
        ),
    ],
    computed: &[
        computed("snapshot_group_state", Str),
        computed("snapshot_ids", AttrType::ListOfString),
        computed("percent", Number),
        computed("create_time", Str),
    ],
};

/// `tencentcloud_lighthouse_snapshot`: a Lighthouse instance snapshot
/// (`CreateInstanceSnapshot`).
pub static LIGHTHOUSE_SNAPSHOT: ResourceSchema = ResourceSchema {
    type_name: "tencentcloud_lighthouse_snapshot",
    provider: "tencentcloud",
    description: "A system-disk snapshot of a Lighthouse instance.",
    id_prefixes: &["lhsnap-"],
    arguments: &[
        arg(
            "instance_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "lhins-",
                what: "Lighthouse instance",
            }],
            "The Lighthouse instance to snapshot.",
        ),
        arg(
            "snapshot_name",
            Str,
            false,
            Updatable,
            &[Constraint::Length { min: 0, max: 60 }],
            "The snapshot's name, up to 60 characters; renamed in place.",
        ),
    ],
    computed: &[
        computed("snapshot_state", Str),
        computed("percent", Number),
        computed("created_time", Str),
    ],
};

/// `alicloud_ecd_snapshot`: an Elastic Desktop disk snapshot (ECD `CreateSnapshot`).
pub static ECD_SNAPSHOT: ResourceSchema = ResourceSchema {
    type_name: "alicloud_ecd_snapshot",
    provider: "alicloud",
    description: "A snapshot of one disk of an Elastic Desktop cloud computer.",
    id_prefixes: &["s-"],
    arguments: &[
        arg(
            "desktop_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "ecd-",
                what: "cloud computer",
            }],
            "The cloud computer, which must be Running or Stopped.",
        ),
        arg(
            "snapshot_name",
            Str,
            true,
            ForceNew,
            &[
                Constraint::Length { min: 2, max: 127 },
                STARTS_WITH_LETTER,
                Constraint::LettersDigitsAnd(&['_', '-']),
                NO_URL,
                NOT_AUTO,
            ],
            "2 to 127 characters: a letter first, then letters, digits, `_` and `-`.",
        ),
        arg(
            "source_disk_type",
            Str,
            true,
            ForceNew,
            &[Constraint::OneOf {
                values: &["system", "data"],
                ignore_case: true,
            }],
            "`system` or `data`, in any case.",
        ),
        arg(
            "description",
            Str,
            false,
            ForceNew,
            &[Constraint::Length { min: 0, max: 128 }],
            "Up to 128 characters.",
        ),
    ],
    computed: &[
        computed("status", Str),
        computed("progress", Str),
        computed("create_time", Str),
    ],
};

/// `alicloud_ens_snapshot`: an ENS edge disk snapshot (ENS `CreateSnapshot`).
pub static ENS_SNAPSHOT: ResourceSchema = ResourceSchema {
    type_name: "alicloud_ens_snapshot",
    provider: "alicloud",
    description: "A snapshot of an ENS edge cloud disk.",
    id_prefixes: &["s-", "sp-"],
    arguments: &[
        arg(
            "ens_region_id",
            Str,
            true,
            ForceNew,
            &[Constraint::RegionId],
            "The edge node, such as cn-shenzhen-3.",
        ),
        arg(
            "disk_id",
            Str,
            true,
            ForceNew,
            &[Constraint::IdPrefix {
                prefix: "d-",
                what: "ENS disk",
            }],
            "The edge disk to snapshot.",
        ),
        arg(
            "snapshot_name",
            Str,
            false,
            Updatable,
            &[
                Constraint::Length { min: 2, max: 128 },
                STARTS_WITH_LETTER,
                Constraint::LettersDigitsAnd(&[':', '_', '-']),
                NO_URL,
                NOT_AUTO,
            ],
            "2 to 128 characters: a letter first, then letters, digits, `:`, `_` and `-`.",
        ),
        arg(
            "description",
            Str,
            false,
            Updatable,
            &[Constraint::Length { min: 2, max: 256 }, NO_URL],
            "2 to 256 characters, not starting with http:// or https://.",
        ),
    ],
    computed: &[computed("status", Str), computed("creation_time", Str)],
};

static RESOURCE_SCHEMAS: [&ResourceSchema; 5] = [
    &CBS_DISK_BACKUP,
    &CBS_SNAPSHOT_GROUP,
    &LIGHTHOUSE_SNAPSHOT,
    &ECD_SNAPSHOT,
    &ENS_SNAPSHOT,
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

const fn secret(name: &'static str, description: &'static str) -> ArgumentSchema {
    ArgumentSchema {
        sensitive: true,
        ..arg(name, Str, false, Updatable, &[], description)
    }
}

const REGION: ArgumentSchema = arg(
    "region",
    Str,
    false,
    Updatable,
    &[Constraint::RegionId],
    "The region API calls go to.",
);
const ENDPOINT: ArgumentSchema = arg(
    "endpoint",
    Str,
    false,
    Updatable,
    &[Constraint::UrlPrefix],
    "Sends every API call to this URL instead of the cloud's own endpoints.",
);
const CA_FILE: ArgumentSchema = arg(
    "ca_file",
    Str,
    false,
    Updatable,
    &[],
    "A PEM file of CA certificates to trust besides the system's, for an https endpoint such as the emulator's.",
);
const RATE_LIMIT: ArgumentSchema = arg(
    "rate_limit",
    Number,
    false,
    Updatable,
    &[Constraint::Positive],
    "Requests per second per API action (default 20).",
);

/// `provider "tencentcloud"`.
pub static TENCENTCLOUD_PROVIDER: ProviderSchema = ProviderSchema {
    name: "tencentcloud",
    arguments: &[
        REGION,
        ENDPOINT,
        secret("secret_id", "The API key's SecretId."),
        secret("secret_key", "The API key's SecretKey."),
        secret("security_token", "A temporary credential's token."),
        RATE_LIMIT,
        CA_FILE,
    ],
};

/// `provider "alicloud"`.
pub static ALICLOUD_PROVIDER: ProviderSchema = ProviderSchema {
    name: "alicloud",
    arguments: &[
        REGION,
        ENDPOINT,
        secret("access_key", "The AccessKey ID."),
        secret("secret_key", "The AccessKey secret."),
        secret("security_token", "A temporary credential's token."),
        RATE_LIMIT,
        CA_FILE,
    ],
};

/// The schema of provider `name`.
pub fn provider_schema(name: &str) -> Option<&'static ProviderSchema> {
    [&TENCENTCLOUD_PROVIDER, &ALICLOUD_PROVIDER]
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
        };
        assert_eq!(violation(disk, "disk-abc123"), None);
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
        }
    }
}
