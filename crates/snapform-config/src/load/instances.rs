//! Expanding `count` and `for_each` into instances, and evaluating each instance's arguments.

use std::collections::{BTreeMap, BTreeSet};

use snapform_core::{Diagnostic, InstanceKey, ResourceAddr, Value};

use super::{Attr, Loader};
use crate::eval::{self, Scope, span_of};
use crate::model::{ArgumentSource, Expansion, InstanceSeed, ResourceInstance};
use crate::types::{check_argument, describe};

/// Resources whose per-instance diagnostics repeat are reported once, with the count.
pub(super) struct InstanceDiagnostics {
    seen: BTreeMap<(u32, u32, String), (usize, usize)>,
}

impl Loader {
    /// Evaluates the arguments of every instance of a resource and checks them against its
    /// schema; used when loading and again by the planner with known values of other resources.
    ///
    /// In a resource with `rotation`, `rotation.time` is `tick`: the generation being planned,
    /// or, when loading, a sample tick so that names built from it are checked too.
    pub(super) fn instances(
        &mut self,
        addr: &ResourceAddr,
        source: &ArgumentSource,
        scope: &Scope<'_>,
        tick: Option<jiff::Timestamp>,
    ) -> Vec<ResourceInstance> {
        let rotation_time = source.rotation_zone.as_ref().map(|zone| {
            super::rotation::time_value(tick.unwrap_or(jiff::Timestamp::UNIX_EPOCH), zone)
        });
        let argument_spans: std::sync::Arc<BTreeMap<String, snapform_core::Span>> =
            std::sync::Arc::new(
                source
                    .exprs
                    .iter()
                    .map(|(arg, file, expr)| (arg.name.to_owned(), span_of(*file, expr)))
                    .collect(),
            );
        let mut instances = Vec::with_capacity(source.seeds.len());
        let mut repeats = InstanceDiagnostics {
            seen: BTreeMap::new(),
        };
        for (key, each) in &source.seeds {
            let instance_addr = addr.instance(key.clone());
            let mut instance_scope = Scope {
                each: each.clone(),
                count_index: match (key, source.counted) {
                    (InstanceKey::Int(index), _) => Some(Value::Number(*index as f64)),
                    (_, true) => Some(Value::Unknown),
                    _ => None,
                },
                file: scope.file,
                rotation_time: rotation_time.clone(),
                ..scope.clone()
            };
            let instance_name = (*key != InstanceKey::None).then(|| instance_addr.to_string());
            let mut arguments = BTreeMap::new();
            let mut sensitive = BTreeSet::new();
            let before = self.diagnostics.len();
            for (arg, file, expr) in &source.exprs {
                let value_span = span_of(*file, expr);
                instance_scope.file = *file;
                let value = match eval::evaluate(expr, &instance_scope) {
                    Ok(value) => value,
                    Err(diagnostic) => {
                        self.push(*diagnostic);
                        continue;
                    }
                };
                // An argument holding anything sensitive is sensitive as a whole; its value
                // leaves the configuration without marks, its name in `sensitive`.
                let (value, marked) = value.unmark_deep();
                if marked {
                    sensitive.insert(arg.name.to_owned());
                }
                let secrets = if marked {
                    string_leaves(&value)
                } else {
                    Vec::new()
                };
                let checked_from = self.diagnostics.len();
                let checked = check_argument(
                    arg,
                    value,
                    value_span,
                    instance_name.as_deref(),
                    &mut self.diagnostics,
                );
                if marked {
                    hide_values(&mut self.diagnostics[checked_from..], &secrets);
                }
                let Some(value) = checked else {
                    continue;
                };
                if value == Value::Null {
                    if arg.required {
                        let suffix = instance_name
                            .as_ref()
                            .map(|n| format!(" in {n}"))
                            .unwrap_or_default();
                        self.error(
                            "missing-argument",
                            format!("the required argument `{}` is null{suffix}", arg.name),
                            value_span,
                        );
                    }
                    continue;
                }
                arguments.insert(arg.name.to_owned(), value);
            }
            self.fold_repeats(before, &mut repeats);
            instances.push(ResourceInstance {
                addr: instance_addr,
                arguments,
                sensitive,
                argument_spans: argument_spans.clone(),
            });
        }
        self.finish_repeats(repeats);
        instances
    }

    /// Drops diagnostics pushed since `before` that repeat one already reported for another
    /// instance at the same place, counting them.
    pub(super) fn fold_repeats(&mut self, before: usize, repeats: &mut InstanceDiagnostics) {
        let fresh: Vec<Diagnostic> = self.diagnostics.drain(before..).collect();
        for diagnostic in fresh {
            let Some(primary) = &diagnostic.primary else {
                self.diagnostics.push(diagnostic);
                continue;
            };
            let key = (
                primary.span.start,
                primary.span.end,
                diagnostic.message.clone(),
            );
            match repeats.seen.get_mut(&key) {
                Some((_, n_more)) => *n_more += 1,
                None => {
                    repeats.seen.insert(key, (self.diagnostics.len(), 0));
                    self.diagnostics.push(diagnostic);
                }
            }
        }
    }

    pub(super) fn finish_repeats(&mut self, repeats: InstanceDiagnostics) {
        for (idx, n_more) in repeats.seen.into_values() {
            if n_more == 0 {
                continue;
            }
            if let Some(primary) = self.diagnostics[idx].primary.as_mut() {
                primary.message = format!(
                    "{} and {n_more} other instance{}",
                    primary.message,
                    if n_more == 1 { "" } else { "s" }
                );
            }
        }
    }

    /// Evaluates `count` or `for_each` into the instance keys, each with its `each` values.
    pub(super) fn expand(
        &mut self,
        count: Option<Attr<'_>>,
        for_each: Option<Attr<'_>>,
        scope: &Scope<'_>,
        placeholder_if_unknown: bool,
    ) -> (Expansion, Vec<InstanceSeed>) {
        // When count or for_each cannot be evaluated, one placeholder instance with unknown
        // `count.index` / `each` still gets its arguments checked, so one run reports every
        // problem of the block.
        let placeholder = || vec![(InstanceKey::None, Some((Value::Unknown, Value::Unknown)))];
        if let Some(attr) = count {
            let value = match eval::evaluate(attr.expr(), scope) {
                // A count is a number of instances, which every plan shows anyway.
                Ok(value) => value.unmark_deep().0,
                Err(diagnostic) => {
                    self.push(*diagnostic);
                    return (Expansion::Count(0), placeholder());
                }
            };
            let count = match value {
                Value::Number(number) if number.fract() == 0.0 && number >= 0.0 => number as u64,
                Value::Unknown if placeholder_if_unknown => {
                    return (Expansion::Count(0), placeholder());
                }
                Value::Unknown => {
                    self.error(
                        "unknown-count",
                        "`count` depends on values that are known only after apply",
                        attr.value_span(),
                    )
                    .help =
                        Some("count must be computable from variables and locals alone".to_owned());
                    return (Expansion::Count(0), placeholder());
                }
                other => {
                    self.error(
                        "invalid-count",
                        format!(
                            "`count` must be a whole number of zero or more, got {}",
                            describe(&other)
                        ),
                        attr.value_span(),
                    );
                    return (Expansion::Count(0), placeholder());
                }
            };
            return (
                Expansion::Count(count),
                (0..count)
                    .map(|idx| (InstanceKey::Int(idx), None))
                    .collect(),
            );
        }
        if let Some(attr) = for_each {
            let value = match eval::evaluate(attr.expr(), scope) {
                Ok(value) => value,
                Err(diagnostic) => {
                    self.push(*diagnostic);
                    return (Expansion::ForEach(Vec::new()), placeholder());
                }
            };
            // Keys become instance addresses, which every view shows: they cannot be secret.
            // Marked values inside a map stay marked in `each.value`.
            let sensitive_keys = match &value {
                Value::Sensitive(_) => true,
                Value::Set(items) => items.iter().any(Value::contains_sensitive),
                _ => false,
            };
            if sensitive_keys {
                self.error(
                    "sensitive-for-each",
                    "`for_each` cannot use sensitive values: its keys become instance addresses, which are shown everywhere",
                    attr.value_span(),
                )
                .help = Some(
                    "iterate over values that are not sensitive, such as a map of names to IDs, or wrap them in nonsensitive() if they are not secret".to_owned(),
                );
                return (Expansion::ForEach(Vec::new()), placeholder());
            }
            let pairs: Vec<(String, Value)> = match value {
                Value::Map(entries) => entries.into_iter().collect(),
                Value::Set(items) => {
                    let mut pairs = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            Value::String(text) => pairs.push((text.clone(), Value::String(text))),
                            Value::Unknown => {
                                self.error(
                                    "unknown-for-each",
                                    "`for_each` depends on values that are known only after apply",
                                    attr.value_span(),
                                );
                                return (Expansion::ForEach(Vec::new()), placeholder());
                            }
                            other => {
                                self.error(
                                    "invalid-for-each",
                                    format!(
                                        "`for_each` needs a set of strings, but the set holds {}",
                                        describe(&other)
                                    ),
                                    attr.value_span(),
                                )
                                .help = Some(
                                    "convert the elements with tostring(), or use a map".to_owned(),
                                );
                                return (Expansion::ForEach(Vec::new()), placeholder());
                            }
                        }
                    }
                    pairs
                }
                Value::Unknown if placeholder_if_unknown => {
                    return (Expansion::ForEach(Vec::new()), placeholder());
                }
                Value::Unknown => {
                    self.error(
                        "unknown-for-each",
                        "`for_each` depends on values that are known only after apply",
                        attr.value_span(),
                    )
                    .help = Some(
                        "for_each must be computable from variables and locals alone".to_owned(),
                    );
                    return (Expansion::ForEach(Vec::new()), placeholder());
                }
                other => {
                    let help = if matches!(other, Value::List(_)) {
                        "convert a list with toset(...), or build a map with a for expression"
                    } else {
                        "for_each takes a map, or a set of strings"
                    };
                    self.error(
                        "invalid-for-each",
                        format!(
                            "`for_each` must be a map or a set of strings, got {}",
                            describe(&other)
                        ),
                        attr.value_span(),
                    )
                    .help = Some(help.to_owned());
                    return (Expansion::ForEach(Vec::new()), placeholder());
                }
            };
            let keys = pairs.iter().map(|(key, _)| key.clone()).collect();
            let instances = pairs
                .into_iter()
                .map(|(key, value)| {
                    (
                        InstanceKey::Str(key.clone()),
                        Some((Value::String(key), value)),
                    )
                })
                .collect();
            return (Expansion::ForEach(keys), instances);
        }
        (Expansion::Single, vec![(InstanceKey::None, None)])
    }
}

/// Diagnostics about a sensitive argument name the argument and the rule, never the value: the
/// help line, which may quote it, is replaced, and the value's text is cut from the rest.
fn hide_values(diagnostics: &mut [Diagnostic], secrets: &[String]) {
    let scrub = |text: &mut String| {
        for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
            *text = text.replace(secret.as_str(), "(sensitive value)");
        }
    };
    for diagnostic in diagnostics {
        diagnostic.help = Some("the value is sensitive, so it is not shown here".to_owned());
        scrub(&mut diagnostic.message);
        for label in diagnostic
            .primary
            .iter_mut()
            .chain(diagnostic.secondary.iter_mut())
        {
            scrub(&mut label.message);
        }
    }
}

/// The texts inside a value: strings, numbers and bools, at any depth.
fn string_leaves(value: &Value) -> Vec<String> {
    match value {
        Value::List(items) | Value::Set(items) => items.iter().flat_map(string_leaves).collect(),
        Value::Map(entries) => entries.values().flat_map(string_leaves).collect(),
        other => other.to_template_string().into_iter().collect(),
    }
}
