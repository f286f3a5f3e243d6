//! Locals, evaluated in dependency order; a cycle is reported with every member.

use std::collections::{BTreeMap, BTreeSet};

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use snapform_core::{Diagnostic, FileId, ResourceAddr, Value};

use super::decode::Decls;
use super::{Attr, Loader};
use crate::eval::{self, Reference, ResourceTable, Scope};

/// Locals evaluated in dependency order.
pub(super) struct LocalsOutcome {
    pub(super) values: BTreeMap<String, Value>,
    /// The resources each local reads, directly or through other locals.
    pub(super) resource_refs: BTreeMap<String, BTreeSet<ResourceAddr>>,
    /// Locals that read resources, in dependency order, to evaluate again with known values.
    pub(super) resource_locals: Vec<(String, FileId, hcl::edit::expr::Expression)>,
}

impl Loader {
    /// Evaluates locals in dependency order; returns their values and, for each local, the
    /// resources it refers to directly or through other locals.
    pub(super) fn evaluate_locals(
        &mut self,
        decls: &Decls<'_>,
        variables: &BTreeMap<String, Value>,
        resources: &ResourceTable,
        workspace: &str,
    ) -> LocalsOutcome {
        let mut by_name: BTreeMap<&str, Attr<'_>> = BTreeMap::new();
        for attr in &decls.locals {
            if let Some(first) = by_name.get(attr.name()) {
                let first_span = first.key_span();
                self.push(
                    Diagnostic::error(
                        "duplicate-local",
                        format!("local value `{}` is declared twice", attr.name()),
                        attr.key_span(),
                    )
                    .with_secondary(first_span, "first declared here"),
                );
                continue;
            }
            by_name.insert(attr.name(), *attr);
        }
        let names: Vec<&str> = by_name.keys().copied().collect();
        let index: BTreeMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(idx, name)| (*name, idx))
            .collect();
        let mut graph = DiGraph::<usize, ()>::new();
        let nodes: Vec<_> = (0..names.len()).map(|idx| graph.add_node(idx)).collect();
        let mut direct_resources: Vec<BTreeSet<ResourceAddr>> = vec![BTreeSet::new(); names.len()];
        for (idx, name) in names.iter().enumerate() {
            let attr = by_name[name];
            let mut refs = Vec::new();
            eval::references(attr.expr(), attr.file, &mut refs);
            for (reference, _) in refs {
                match reference {
                    Reference::Local(other) => {
                        if let Some(&other_idx) = index.get(other.as_str()) {
                            // Edge from the dependency to the dependant, so the topological order
                            // evaluates dependencies first.
                            graph.add_edge(nodes[other_idx], nodes[idx], ());
                        }
                    }
                    Reference::Resource(addr) => {
                        direct_resources[idx].insert(addr);
                    }
                    Reference::Variable(_) => {}
                }
            }
        }
        let mut in_cycle = vec![false; names.len()];
        // tarjan_scc returns components in reverse topological order.
        let mut order = Vec::new();
        for component in tarjan_scc(&graph).into_iter().rev() {
            let cyclic = component.len() > 1 || graph.contains_edge(component[0], component[0]);
            if cyclic {
                let mut members: Vec<usize> = component.iter().map(|node| graph[*node]).collect();
                members.sort_unstable();
                for member in &members {
                    in_cycle[*member] = true;
                }
                let listed: Vec<String> = members
                    .iter()
                    .map(|member| format!("local.{}", names[*member]))
                    .collect();
                let first = by_name[names[members[0]]];
                let mut diagnostic = Diagnostic::error(
                    "cycle",
                    format!(
                        "local values refer to each other in a cycle: {}",
                        listed.join(", ")
                    ),
                    first.key_span(),
                )
                .with_help("break the cycle so that each value can be computed from the others");
                for member in &members[1..] {
                    diagnostic = diagnostic
                        .with_secondary(by_name[names[*member]].key_span(), "part of the cycle");
                }
                self.push(diagnostic);
            } else {
                order.push(graph[component[0]]);
            }
        }

        let mut values = BTreeMap::new();
        let mut resource_locals = Vec::new();
        let declared: BTreeSet<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut resource_refs: BTreeMap<String, BTreeSet<ResourceAddr>> = BTreeMap::new();
        for idx in order {
            let attr = by_name[names[idx]];
            let mut refs = direct_resources[idx].clone();
            for edge in graph.neighbors_directed(nodes[idx], petgraph::Direction::Incoming) {
                let dep = names[graph[edge]];
                if let Some(dep_refs) = resource_refs.get(dep) {
                    refs.extend(dep_refs.iter().cloned());
                }
            }
            resource_refs.insert(names[idx].to_owned(), refs);
            let scope = Scope::new(
                attr.file, variables, &values, &declared, resources, workspace,
            );
            if resource_refs
                .get(names[idx])
                .is_some_and(|refs| !refs.is_empty())
            {
                resource_locals.push((names[idx].to_owned(), attr.file, attr.expr().clone()));
            }
            match eval::evaluate(attr.expr(), &scope) {
                Ok(value) => {
                    values.insert(names[idx].to_owned(), value);
                }
                Err(diagnostic) => self.push(*diagnostic),
            }
        }
        LocalsOutcome {
            values,
            resource_refs,
            resource_locals,
        }
    }
}
