//! Discovery: listing the snapshots of one type that already exist in the cloud, so that
//! `snapform import -discover` can write configuration and `import` blocks for them.
//!
//! A [`DiscoverFilter`] narrows the listing by argument values (a parent disk, instance,
//! desktop or edge region) and by name. Each resource type passes to the cloud the filters its
//! Describe API takes, and [`crate::CloudProvider`] then checks every filter here, so a filter
//! the API ignores, or reads loosely, never lets another snapshot through.
//!
//! Names are matched with [`NameGlob`], a hand-written matcher of `*` and `?`: snapshot names
//! are not paths, so a path glob (`globset`, `glob`) would treat `/` specially and bring a regex
//! engine for thirty lines of work.

use std::collections::BTreeMap;

use snapform_core::Value;
use snapform_core::schema::{Constraint, ResourceSchema};

use crate::{Attributes, ResourceState};

/// What to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiscoverFilter {
    /// For each argument (`disk_id`, `ens_region_id`, …), the values a snapshot may have: any
    /// of them. A list argument (a snapshot group's `disk_ids`) matches when it holds one of
    /// them. Arguments not named here are not filtered.
    pub arguments: BTreeMap<String, Vec<String>>,
    /// Name patterns: a snapshot matches when its name matches any of them; every snapshot
    /// when there is none. A snapshot without a name has the name `""`.
    pub names: Vec<NameGlob>,
}

impl DiscoverFilter {
    /// The values wanted for `argument`; empty when it is not filtered.
    pub fn values(&self, argument: &str) -> &[String] {
        self.arguments.get(argument).map_or(&[], Vec::as_slice)
    }

    /// The one exact name wanted, when the name filter is a single pattern without wildcards:
    /// APIs that filter by name then receive it.
    pub fn exact_name(&self) -> Option<&str> {
        match self.names.as_slice() {
            [only] => only.literal(),
            _ => None,
        }
    }

    /// Whether a snapshot of this name passes the name filter.
    pub fn matches_name(&self, name: &str) -> bool {
        self.names.is_empty() || self.names.iter().any(|glob| glob.matches(name))
    }

    /// Whether a discovered snapshot of a type with this schema passes every filter. Values
    /// of an argument the schema compares without case (`source_disk_type`) match in any case.
    pub fn matches(&self, schema: &ResourceSchema, state: &ResourceState) -> bool {
        let name = match state.attributes.get(schema.name_argument) {
            Some(Value::String(name)) => name.as_str(),
            _ => "",
        };
        self.matches_name(name)
            && self.arguments.iter().all(|(argument, wanted)| {
                let ignore_case = schema.argument(argument).is_some_and(|argument| {
                    argument.constraints.iter().any(|constraint| {
                        matches!(
                            constraint,
                            Constraint::OneOf {
                                ignore_case: true,
                                ..
                            }
                        )
                    })
                });
                holds_any(&state.attributes, argument, wanted, ignore_case)
            })
    }
}

/// Whether `attributes[argument]` is, or holds, one of `wanted`.
fn holds_any(
    attributes: &Attributes,
    argument: &str,
    wanted: &[String],
    ignore_case: bool,
) -> bool {
    let equal = |value: &str| {
        wanted.iter().any(|wanted| {
            if ignore_case {
                wanted.eq_ignore_ascii_case(value)
            } else {
                wanted == value
            }
        })
    };
    match attributes.get(argument) {
        Some(Value::String(value)) => equal(value),
        Some(Value::List(items) | Value::Set(items)) => {
            items.iter().any(|item| item.as_str().is_some_and(equal))
        }
        _ => false,
    }
}

/// What discovery found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Discovered {
    /// The snapshots, with every argument the cloud reports (in the schema's names) and their
    /// computed attributes.
    pub found: Vec<ResourceState>,
    /// Snapshots that were listed but cannot be managed, with why (a snapshot group whose
    /// member snapshots are gone, so its disks are unknown).
    pub left_out: Vec<LeftOut>,
}

/// A listed snapshot discovery cannot describe as configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// The cloud's ID.
    pub id: String,
    /// Its name, `""` when it has none.
    pub name: String,
    /// Why, as a sentence fragment: "its instance is gone".
    pub reason: String,
}

/// A name pattern: `*` matches any run of characters (none included), `?` any one character,
/// everything else itself. Matching is by character, case-sensitive, over the whole name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameGlob {
    /// The pattern as written.
    text: String,
    /// Its characters. Invariant: `text.chars()`.
    pattern: Vec<char>,
}

impl NameGlob {
    /// The pattern `text`.
    pub fn new(text: &str) -> NameGlob {
        NameGlob {
            text: text.to_owned(),
            pattern: text.chars().collect(),
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The pattern itself when it has no wildcard.
    fn literal(&self) -> Option<&str> {
        (!self.pattern.iter().any(|ch| matches!(ch, '*' | '?'))).then_some(self.text.as_str())
    }

    /// Whether `name` matches the whole pattern.
    ///
    /// The classic two-pointer match: on a mismatch after a `*`, the star takes one more
    /// character and matching resumes after it. Linear in practice, never exponential.
    pub fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        let pattern = &self.pattern;
        let (mut p, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            match pattern.get(p) {
                Some('*') => {
                    star = Some((p, n));
                    p += 1;
                }
                Some('?') => {
                    p += 1;
                    n += 1;
                }
                Some(ch) if *ch == name[n] => {
                    p += 1;
                    n += 1;
                }
                _ => match star {
                    Some((star_p, star_n)) => {
                        p = star_p + 1;
                        n = star_n + 1;
                        star = Some((star_p, star_n + 1));
                    }
                    None => return false,
                },
            }
        }
        pattern[p.min(pattern.len())..].iter().all(|ch| *ch == '*')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, name: &str, expected: bool) {
        assert_eq!(
            NameGlob::new(pattern).matches(name),
            expected,
            "{pattern:?} against {name:?}"
        );
    }

    #[test]
    fn globs_match_whole_names_by_character() {
        check("nightly-*", "nightly-web-20261205", true);
        check("nightly-*", "weekly-web", false);
        check("*", "", true);
        check("", "", true);
        check("", "a", false);
        check("a?c", "abc", true);
        check("a?c", "ac", false);
        check("*-db-*", "nightly-db-1", true);
        check("*-db-*", "nightly-db", false);
        check("a*b*c", "axxbyyc", true);
        check("a*b*c", "axxbyy", false);
        check("*a", "banana", true);
        check("**x", "x", true);
        check("b?e", "b\u{e9}e", true);
        check("Nightly", "nightly", false);
        check("snap/*", "snap/a/b", true);
    }

    #[test]
    fn only_a_single_pattern_without_wildcards_is_an_exact_name() {
        let filter = |names: &[&str]| DiscoverFilter {
            names: names.iter().map(|name| NameGlob::new(name)).collect(),
            ..DiscoverFilter::default()
        };
        assert_eq!(filter(&["web"]).exact_name(), Some("web"));
        assert_eq!(filter(&["web*"]).exact_name(), None);
        assert_eq!(filter(&["web", "db"]).exact_name(), None);
        assert_eq!(filter(&[]).exact_name(), None);
    }

    #[test]
    fn every_filter_must_pass() {
        let state = ResourceState {
            id: "csnap-1".to_owned(),
            attributes: [
                (
                    "disk_ids".to_owned(),
                    Value::set([Value::string("disk-a"), Value::string("disk-b")]),
                ),
                ("snapshot_group_name".to_owned(), Value::string("app-1")),
            ]
            .into(),
            readiness: crate::Readiness::Ready,
        };
        let schema = &snapform_core::schema::tencentcloud::CBS_SNAPSHOT_GROUP;
        let mut filter = DiscoverFilter::default();
        assert!(filter.matches(schema, &state));
        filter.arguments.insert(
            "disk_ids".to_owned(),
            vec!["disk-z".to_owned(), "disk-b".to_owned()],
        );
        assert!(filter.matches(schema, &state));
        filter.names.push(NameGlob::new("db-*"));
        assert!(!filter.matches(schema, &state));
        filter.names.push(NameGlob::new("app-?"));
        assert!(filter.matches(schema, &state));
        filter
            .arguments
            .insert("tags".to_owned(), vec!["x".to_owned()]);
        assert!(!filter.matches(schema, &state), "no such attribute");

        let ecd = &snapform_core::schema::alicloud::ECD_SNAPSHOT;
        let desk = ResourceState {
            id: "s-1".to_owned(),
            attributes: [("source_disk_type".to_owned(), Value::string("SYSTEM"))].into(),
            readiness: crate::Readiness::Ready,
        };
        let by_type = |value: &str| DiscoverFilter {
            arguments: [("source_disk_type".to_owned(), vec![value.to_owned()])].into(),
            ..DiscoverFilter::default()
        };
        assert!(
            by_type("system").matches(ecd, &desk),
            "compared without case"
        );
        assert!(!by_type("data").matches(ecd, &desk));
    }
}
