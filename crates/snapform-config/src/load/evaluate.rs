//! The second half of loading: resolving variables, then evaluating locals, providers,
//! resources and outputs in dependency order, and checking them against the schemas.

use std::collections::{BTreeMap, BTreeSet};

use snapform_core::{Diagnostic, FileId, ResourceAddr, SourceMap, Span, Value};

use super::decode::{Decls, ResourceDecl};
use super::locals::LocalsOutcome;
use super::{Attr, LoadOptions, Loader};
use crate::eval::{self, RefShape, ResourceTable, Scope};
use crate::model::{Config, EvalContext, Resource};
use crate::types::describe;

impl Loader {
    pub(super) fn evaluate(
        &mut self,
        decls: &Decls<'_>,
        auto_files: &[FileId],
        options: &LoadOptions,
        sources: &mut SourceMap,
    ) -> Config {
        let variables = self.resolve_variables(decls, auto_files, options, sources);
        // Sensitive variables are marked, so everything derived from them is marked too.
        let variable_values: BTreeMap<String, Value> = variables
            .iter()
            .map(|variable| {
                let value = variable.value.clone().marked_if(variable.sensitive);
                (variable.name.clone(), value)
            })
            .collect();

        // The resource table first: locals and outputs may refer to resources.
        let mut resource_table = ResourceTable::new();
        let mut resource_spans: BTreeMap<ResourceAddr, Span> = BTreeMap::new();
        let mut resource_decls: Vec<&ResourceDecl<'_>> = Vec::new();
        for decl in &decls.resources {
            if let Some(first) = resource_spans.get(&decl.addr) {
                self.push(
                    Diagnostic::error(
                        "duplicate-resource",
                        format!("resource `{}` is declared twice", decl.addr),
                        decl.span,
                    )
                    .with_secondary(*first, "first declared here")
                    .with_help("resource names must be unique within their type"),
                );
                continue;
            }
            resource_spans.insert(decl.addr.clone(), decl.span);
            let shape = if decl.count.is_some() {
                RefShape::Counted
            } else if decl.for_each.is_some() {
                RefShape::Keyed
            } else {
                RefShape::Single
            };
            resource_table.insert(decl.addr.clone(), (shape, decl.schema));
            resource_decls.push(decl);
        }

        let LocalsOutcome {
            values: locals,
            resource_refs: local_resource_refs,
            resource_locals,
        } = self.evaluate_locals(
            decls,
            &variable_values,
            &resource_table,
            options.workspace_name(),
        );
        let declared_locals: BTreeSet<String> = decls
            .locals
            .iter()
            .map(|attr| attr.name().to_owned())
            .collect();

        let scope_for = |file: FileId| {
            Scope::new(
                file,
                &variable_values,
                &locals,
                &declared_locals,
                &resource_table,
                options.workspace_name(),
            )
        };

        let mut providers = self.evaluate_providers(decls, &scope_for);

        // Resources.
        let mut resources = Vec::new();
        let mut graph_edges: Vec<(ResourceAddr, ResourceAddr, Span)> = Vec::new();
        for decl in resource_decls {
            let scope = scope_for(decl.file);
            let resource = self.evaluate_resource(
                decl,
                &scope,
                &local_resource_refs,
                &mut graph_edges,
                &mut providers,
            );
            resources.push(resource);
        }
        self.check_resource_cycles(&resource_spans, &graph_edges);
        resources.sort_by(|a: &Resource, b| a.addr.cmp(&b.addr));

        let outputs = self.evaluate_outputs(decls, &scope_for);
        let backend = self.evaluate_backend(decls);
        let (imports, moves, removed) = self.evaluate_refactoring(decls, &scope_for, &resources);

        providers.sort_by(|a, b| a.addr.cmp(&b.addr));
        let context = EvalContext {
            workspace: options.workspace_name().to_owned(),
            variables: variable_values.clone(),
            locals: locals.clone(),
            declared_locals,
            resource_locals,
            resources: resource_table.clone(),
            outputs: decls
                .outputs
                .iter()
                .filter_map(|decl| {
                    let value = decl.attrs.iter().find(|attr| attr.name() == "value")?;
                    Some((decl.name.clone(), value.file, value.expr().clone()))
                })
                .collect(),
        };
        Config {
            providers,
            variables,
            locals,
            resources,
            outputs,
            backend,
            imports,
            moves,
            removed,
            context,
        }
    }

    /// Evaluates `expr` in a literal-only scope (defaults, lifecycle, backend).
    pub(super) fn literal(&mut self, attr: Attr<'_>, what: &'static str) -> Option<Value> {
        let scope = Scope::literal(attr.file, what);
        match eval::evaluate(attr.expr(), &scope) {
            Ok(value) => Some(value),
            Err(diagnostic) => {
                self.push(*diagnostic);
                None
            }
        }
    }

    pub(super) fn expect_string(&mut self, attr: Attr<'_>, value: Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text),
            Value::Number(_) | Value::Bool(_) => value.to_template_string(),
            other => {
                self.error(
                    "type-mismatch",
                    format!(
                        "`{}` must be a string, got a {}",
                        attr.name(),
                        other.type_name()
                    ),
                    attr.value_span(),
                );
                None
            }
        }
    }

    pub(super) fn expect_bool(&mut self, attr: Attr<'_>, value: Value) -> Option<bool> {
        match value {
            Value::Bool(flag) => Some(flag),
            other => {
                self.error(
                    "type-mismatch",
                    format!(
                        "`{}` must be true or false, got {}",
                        attr.name(),
                        describe(&other)
                    ),
                    attr.value_span(),
                );
                None
            }
        }
    }
}
