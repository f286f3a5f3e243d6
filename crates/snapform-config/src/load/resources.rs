//! Resource blocks: provider selection, dependencies (references, locals and `depends_on`),
//! lifecycle and timeouts blocks, and cycles between resources.

use std::collections::{BTreeMap, BTreeSet};

use hcl::edit::expr::{Expression, TraversalOperator};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use snapform_core::{Diagnostic, ProviderAddr, ResourceAddr, Span};

use super::Loader;
use super::decode::ResourceDecl;
use super::providers::provider_reference;
use crate::duration::parse_duration;
use crate::eval::{self, Reference, Scope, span_of};
use crate::model::{ArgumentSource, Lifecycle, ProviderConfig, Resource, Timeouts};
use crate::suggest::did_you_mean;
use crate::summary::summarize;
use crate::types::describe;

impl Loader {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn evaluate_resource(
        &mut self,
        decl: &ResourceDecl<'_>,
        scope: &Scope<'_>,
        local_resource_refs: &BTreeMap<String, BTreeSet<ResourceAddr>>,
        graph_edges: &mut Vec<(ResourceAddr, ResourceAddr, Span)>,
        providers: &mut Vec<ProviderConfig>,
    ) -> Resource {
        let schema = decl.schema;
        // Provider.
        let provider = match decl.provider {
            None => ProviderAddr::default_for(schema.provider),
            Some(attr) => {
                match provider_reference(attr.expr()) {
                    Some(addr) if addr.name != schema.provider => {
                        self.error(
                            "wrong-provider",
                            format!(
                                "`{}` belongs to provider {}, not {}",
                                schema.type_name, schema.provider, addr.name
                            ),
                            attr.value_span(),
                        )
                        .help = Some(format!("write `provider = {}.ALIAS`", schema.provider));
                        ProviderAddr::default_for(schema.provider)
                    }
                    Some(addr) => addr,
                    None => {
                        self.error("invalid-provider-reference", "`provider` must be a reference such as tencentcloud.edge, without quotes", attr.value_span());
                        ProviderAddr::default_for(schema.provider)
                    }
                }
            }
        };
        if !providers.iter().any(|config| config.addr == provider) {
            if provider.alias.is_none() {
                providers.push(ProviderConfig {
                    addr: provider.clone(),
                    span: None,
                    region: None,
                    endpoint: None,
                    rate_limit: None,
                    ca_file: None,
                    argument_spans: BTreeMap::new(),
                    secrets: BTreeMap::new(),
                    expressions: BTreeMap::new(),
                });
            } else if let Some(attr) = decl.provider {
                self.error(
                    "undeclared-provider",
                    format!("reference to undeclared provider configuration `{provider}`"),
                    attr.value_span(),
                )
                .help = Some(format!(
                    "declare it with `provider \"{}\" {{ alias = \"{}\" ... }}`",
                    provider.name,
                    provider.alias.as_deref().unwrap_or_default()
                ));
            }
        }

        // Dependencies: references in every expression, through locals too, and depends_on.
        let mut refs = Vec::new();
        for attr in decl
            .arguments
            .iter()
            .chain(decl.count.iter())
            .chain(decl.for_each.iter())
        {
            eval::references(attr.expr(), attr.file, &mut refs);
        }
        let mut depends_on: BTreeSet<ResourceAddr> = BTreeSet::new();
        for (reference, span) in &refs {
            match reference {
                Reference::Resource(addr) => {
                    if addr == &decl.addr {
                        self.error(
                            "self-reference",
                            format!("`{}` refers to itself", decl.addr),
                            *span,
                        );
                        continue;
                    }
                    if scope.resources.contains_key(addr) {
                        depends_on.insert(addr.clone());
                        graph_edges.push((decl.addr.clone(), addr.clone(), *span));
                    }
                }
                Reference::Local(name) => {
                    for addr in local_resource_refs.get(name).into_iter().flatten() {
                        if addr == &decl.addr {
                            self.error(
                                "self-reference",
                                format!("`{}` refers to itself through local.{name}", decl.addr),
                                *span,
                            );
                            continue;
                        }
                        depends_on.insert(addr.clone());
                        graph_edges.push((decl.addr.clone(), addr.clone(), *span));
                    }
                }
                Reference::Variable(_) => {}
            }
        }
        let mut explicit_depends_on = Vec::new();
        if let Some(attr) = decl.depends_on {
            match attr.expr() {
                Expression::Array(items) => {
                    for item in items.iter() {
                        let item_span = span_of(attr.file, item);
                        match resource_reference(item) {
                            Some(addr) if scope.resources.contains_key(&addr) => {
                                if addr == decl.addr {
                                    self.error(
                                        "self-reference",
                                        format!("`{}` cannot depend on itself", decl.addr),
                                        item_span,
                                    );
                                    continue;
                                }
                                depends_on.insert(addr.clone());
                                graph_edges.push((decl.addr.clone(), addr.clone(), item_span));
                                explicit_depends_on.push(addr);
                            }
                            Some(addr) => {
                                self.error(
                                    "undeclared-resource",
                                    format!("`depends_on` names undeclared resource `{addr}`"),
                                    item_span,
                                );
                            }
                            None => {
                                self.error("invalid-depends-on", "`depends_on` entries must be resource references such as tencentcloud_cbs_disk_backup.nightly", item_span)
                                    .help = Some("write the reference without quotes".to_owned());
                            }
                        }
                    }
                }
                _ => {
                    self.error(
                        "invalid-depends-on",
                        "`depends_on` must be a list of resource references",
                        attr.value_span(),
                    );
                }
            }
        }
        explicit_depends_on.sort();
        explicit_depends_on.dedup();

        let lifecycle = self.evaluate_lifecycle(decl);
        let timeouts = self.evaluate_timeouts(decl);

        // Required arguments missing from the block altogether.
        for arg in schema.arguments.iter().filter(|arg| arg.required) {
            if !decl.arguments.iter().any(|attr| attr.name() == arg.name) {
                self.error(
                    "missing-argument",
                    format!(
                        "`{}` is missing the required argument `{}`",
                        decl.addr, arg.name
                    ),
                    decl.span,
                )
                .help = Some(format!("add `{} = ...`: {}", arg.name, arg.description));
            }
        }

        let (expansion, keys) = self.expand(
            decl.count,
            decl.for_each,
            scope,
            self.allow_unset_variables && reads_no_resource(decl, local_resource_refs),
        );
        let rotation = self.evaluate_rotation(decl, scope);
        let source = ArgumentSource {
            exprs: decl
                .arguments
                .iter()
                .filter_map(|attr| {
                    let arg = schema.argument(attr.name())?;
                    Some((arg, attr.file, attr.expr().clone()))
                })
                .collect(),
            seeds: keys,
            counted: decl.count.is_some(),
            rotation_zone: decl.rotation.as_ref().map(|_| {
                rotation
                    .as_ref()
                    .map_or(jiff::tz::TimeZone::UTC, |rotation| {
                        rotation.time_zone().clone()
                    })
            }),
        };
        let instances = self.instances(&decl.addr, &source, scope, None);
        let expressions = decl
            .arguments
            .iter()
            .map(|attr| (attr.name().to_owned(), summarize(attr.expr())))
            .collect();
        let repetition_expression = decl
            .count
            .or(decl.for_each)
            .map(|attr| summarize(attr.expr()));

        Resource {
            addr: decl.addr.clone(),
            schema,
            span: decl.span,
            provider,
            source,
            expansion,
            depends_on: depends_on.into_iter().collect(),
            explicit_depends_on,
            lifecycle,
            timeouts,
            instances,
            expressions,
            repetition_expression,
            rotation,
        }
    }

    pub(super) fn evaluate_lifecycle(&mut self, decl: &ResourceDecl<'_>) -> Lifecycle {
        let mut lifecycle = Lifecycle::default();
        for attr in &decl.lifecycle {
            match attr.name() {
                "prevent_destroy" | "create_before_destroy" | "destroy" => {
                    let Some(value) = self.literal(*attr, "lifecycle arguments") else {
                        continue;
                    };
                    let Some(flag) = self.expect_bool(*attr, value) else {
                        continue;
                    };
                    match attr.name() {
                        "prevent_destroy" => lifecycle.prevent_destroy = flag,
                        "destroy" => lifecycle.destroy = Some(flag),
                        _ => lifecycle.create_before_destroy = Some(flag),
                    }
                }
                "ignore_changes" => match attr.expr() {
                    Expression::Variable(ident) if ident.value().as_str() == "all" => {
                        lifecycle.ignore_all_changes = true
                    }
                    Expression::Array(items) => {
                        for item in items.iter() {
                            let name = match item {
                                Expression::Variable(ident) => ident.value().as_str().to_owned(),
                                Expression::String(text) => text.value().clone(),
                                _ => {
                                    self.error("invalid-ignore-changes", "`ignore_changes` lists argument names such as snapshot_name", span_of(attr.file, item));
                                    continue;
                                }
                            };
                            if decl.schema.argument(&name).is_none() {
                                let names: Vec<&str> =
                                    decl.schema.arguments.iter().map(|arg| arg.name).collect();
                                self.error("invalid-ignore-changes", format!("`ignore_changes` names `{name}`, which is not an argument of {}", decl.schema.type_name), span_of(attr.file, item))
                                    .help = Some(did_you_mean(&name, names.iter().copied(), &format!("its arguments are {}", names.join(", "))));
                                continue;
                            }
                            lifecycle.ignore_changes.push(name);
                        }
                    }
                    _ => {
                        self.error(
                            "invalid-ignore-changes",
                            "`ignore_changes` must be a list of argument names, or `all`",
                            attr.value_span(),
                        );
                    }
                },
                other => self.unsupported_argument(
                    *attr,
                    other,
                    &[
                        "prevent_destroy",
                        "create_before_destroy",
                        "ignore_changes",
                        "destroy",
                    ],
                    "a lifecycle block",
                ),
            }
        }
        lifecycle.ignore_changes.sort();
        lifecycle.ignore_changes.dedup();
        lifecycle
    }

    pub(super) fn evaluate_timeouts(&mut self, decl: &ResourceDecl<'_>) -> Timeouts {
        let mut timeouts = Timeouts::default();
        for attr in &decl.timeouts {
            let slot = match attr.name() {
                "create" => &mut timeouts.create,
                "update" => &mut timeouts.update,
                "delete" => &mut timeouts.delete,
                other => {
                    self.unsupported_argument(
                        *attr,
                        other,
                        &["create", "update", "delete"],
                        "a timeouts block",
                    );
                    continue;
                }
            };
            let value = match eval::evaluate(attr.expr(), &Scope::literal(attr.file, "timeouts")) {
                Ok(value) => value,
                Err(diagnostic) => {
                    self.diagnostics.push(*diagnostic);
                    continue;
                }
            };
            match value.as_str().map(parse_duration) {
                Some(Ok(duration)) => *slot = Some(duration),
                Some(Err(why)) => {
                    self.diagnostics.push(Diagnostic::error(
                        "invalid-duration",
                        format!("invalid `{}` timeout: {why}", attr.name()),
                        attr.value_span(),
                    ));
                }
                None => {
                    self.diagnostics.push(Diagnostic::error(
                        "invalid-duration",
                        format!(
                            "`{}` must be a duration string such as \"10m\", got {}",
                            attr.name(),
                            describe(&value)
                        ),
                        attr.value_span(),
                    ));
                }
            }
        }
        timeouts
    }

    pub(super) fn check_resource_cycles(
        &mut self,
        spans: &BTreeMap<ResourceAddr, Span>,
        edges: &[(ResourceAddr, ResourceAddr, Span)],
    ) {
        let addrs: Vec<&ResourceAddr> = spans.keys().collect();
        let index: BTreeMap<&ResourceAddr, usize> = addrs
            .iter()
            .enumerate()
            .map(|(idx, addr)| (*addr, idx))
            .collect();
        let mut graph = DiGraph::<usize, ()>::new();
        let nodes: Vec<_> = (0..addrs.len()).map(|idx| graph.add_node(idx)).collect();
        for (from, to, _) in edges {
            if let (Some(&from), Some(&to)) = (index.get(from), index.get(to))
                && from != to
            {
                graph.update_edge(nodes[from], nodes[to], ());
            }
        }
        for component in tarjan_scc(&graph) {
            if component.len() < 2 {
                continue;
            }
            let mut members: Vec<usize> = component.iter().map(|node| graph[*node]).collect();
            members.sort_unstable();
            let listed: Vec<String> = members
                .iter()
                .map(|member| addrs[*member].to_string())
                .collect();
            let mut diagnostic = Diagnostic::error(
                "cycle",
                format!("resources depend on each other in a cycle: {}", listed.join(", ")),
                spans[addrs[members[0]]],
            )
            .with_help("remove a reference or a depends_on entry so the resources can be created in some order");
            for member in &members[1..] {
                diagnostic = diagnostic.with_secondary(spans[addrs[*member]], "part of the cycle");
            }
            self.push(diagnostic);
        }
    }
}

/// Whether an unknown `count`/`for_each` of `decl` may stand for unset variables rather than
/// resource attributes: true when the expression reads no resource, directly or via locals.
pub(super) fn reads_no_resource(
    decl: &ResourceDecl<'_>,
    local_resource_refs: &BTreeMap<String, BTreeSet<ResourceAddr>>,
) -> bool {
    let mut meta_refs = Vec::new();
    for attr in decl.count.iter().chain(decl.for_each.iter()) {
        eval::references(attr.expr(), attr.file, &mut meta_refs);
    }
    !meta_refs.iter().any(|(reference, _)| match reference {
        Reference::Resource(_) => true,
        Reference::Local(name) => local_resource_refs
            .get(name)
            .is_some_and(|refs| !refs.is_empty()),
        Reference::Variable(_) => false,
    })
}

/// `type.name` written as a bare reference.
pub(super) fn resource_reference(expr: &Expression) -> Option<ResourceAddr> {
    let Expression::Traversal(traversal) = expr else {
        return None;
    };
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    let Some(TraversalOperator::GetAttr(name)) = traversal.operators.first().map(|op| op.value())
    else {
        return None;
    };
    Some(ResourceAddr::new(
        root.value().as_str(),
        name.value().as_str(),
    ))
}
