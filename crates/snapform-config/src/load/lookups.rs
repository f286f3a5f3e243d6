//! Warnings where finding a snapshot again after a lost answer could be ambiguous: a create
//! whose answer never came is found by its parent and name (by an intent tag only where the
//! API takes tags), so a snapshot without a name, or two instances with one name on one
//! parent, can leave several candidates, and snapform then stops that resource until the user
//! says which is its own.

use std::collections::BTreeMap;

use snapform_core::{Diagnostic, Span, Value};

use super::Loader;
use crate::model::Resource;

/// The type, the parents (as text) and the name two snapshots would share.
type LookupKey<'a> = (&'static str, String, &'a str);

impl Loader {
    /// Warns about the instances of `resources` whose lookup could be ambiguous.
    pub(super) fn warn_on_ambiguous_lookups(&mut self, resources: &[Resource]) {
        // (type, parents, name) → the instances that share them, with where the name is.
        let mut named: BTreeMap<LookupKey<'_>, Vec<(String, Span)>> = BTreeMap::new();
        for resource in resources {
            let schema = resource.schema;
            if schema.found_by_intent_tag {
                continue;
            }
            let mut unnamed = Vec::new();
            for instance in &resource.instances {
                let parents: Vec<&Value> = schema
                    .parents
                    .iter()
                    .filter_map(|parent| instance.arguments.get(parent.argument))
                    .collect();
                if parents.len() != schema.parents.len()
                    || parents.iter().any(|value| !value.is_known())
                {
                    continue;
                }
                let parents = parents
                    .iter()
                    .map(|value| canonical(value))
                    .collect::<Vec<_>>()
                    .join(" ");
                match instance.arguments.get(schema.name_argument) {
                    Some(Value::String(name)) if !name.is_empty() => {
                        let span = instance
                            .argument_spans
                            .get(schema.name_argument)
                            .copied()
                            .unwrap_or(resource.span);
                        named
                            .entry((schema.type_name, parents, name.as_str()))
                            .or_default()
                            .push((instance.addr.to_string(), span));
                    }
                    Some(value) if !value.is_known() => {}
                    _ => unnamed.push(instance.addr.to_string()),
                }
            }
            if let Some(first) = unnamed.first() {
                let more = match unnamed.len() {
                    1 => String::new(),
                    n => format!(" (and {} more instances)", n - 1),
                };
                self.push(
                    Diagnostic::warning(
                        "ambiguous-lookup",
                        format!(
                            "`{first}`{more} has no `{}`: if a create's answer is lost, snapform can tell its snapshot from others made on the same parent at about the same time only by its name",
                            schema.name_argument
                        ),
                        resource.span,
                    )
                    .with_help(format!(
                        "give each instance its own `{}`, such as \"nightly-${{each.key}}\"",
                        schema.name_argument
                    )),
                );
            }
        }
        for ((_, _, name), instances) in named {
            if instances.len() < 2 {
                continue;
            }
            let span = instances[0].1;
            let addrs: Vec<String> = instances
                .iter()
                .map(|(addr, _)| format!("`{addr}`"))
                .collect();
            let (last, rest) = addrs.split_last().expect("two or more");
            let mut diagnostic = Diagnostic::warning(
                "ambiguous-lookup",
                format!(
                    "{} and {last} snapshot the same parent with the same name {name:?}: if a create's answer is lost, snapform cannot tell their snapshots apart",
                    rest.join(", ")
                ),
                span,
            )
            .with_help("give each instance its own name, for example with each.key or count.index");
            for (_, other) in &instances[1..] {
                if *other != span {
                    diagnostic = diagnostic.with_secondary(*other, "the same name here");
                }
            }
            self.push(diagnostic);
        }
    }
}

/// One parent argument as text, a set of disks in sorted order.
fn canonical(value: &Value) -> String {
    match value {
        Value::List(items) | Value::Set(items) => {
            let mut texts: Vec<String> = items.iter().map(canonical).collect();
            texts.sort();
            texts.join(",")
        }
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
