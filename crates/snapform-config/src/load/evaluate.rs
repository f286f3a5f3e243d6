//! The second half of loading: resolving variables, then evaluating locals, providers,
//! resources and outputs in dependency order, and checking them against the schemas.

use super::*;

use crate::model::{ArgumentSource, EvalContext, InstanceSeed};

/// Locals evaluated in dependency order.
struct LocalsOutcome {
    values: BTreeMap<String, Value>,
    /// The resources each local reads, directly or through other locals.
    resource_refs: BTreeMap<String, BTreeSet<ResourceAddr>>,
    /// Locals that read resources, in dependency order, to evaluate again with known values.
    resource_locals: Vec<(String, FileId, hcl::edit::expr::Expression)>,
}

/// Resources whose per-instance diagnostics repeat are reported once, with the count.
struct InstanceDiagnostics {
    seen: BTreeMap<(u32, u32, String), (usize, usize)>,
}

impl Loader {
    pub(super) fn evaluate(
        &mut self,
        decls: &Decls<'_>,
        auto_files: &[FileId],
        options: &LoadOptions,
        sources: &mut SourceMap,
    ) -> Config {
        let variables = self.resolve_variables(decls, auto_files, options, sources);
        let variable_values: BTreeMap<String, Value> = variables
            .iter()
            .map(|variable| (variable.name.clone(), variable.value.clone()))
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
        } = self.evaluate_locals(decls, &variable_values, &resource_table);
        let declared_locals: BTreeSet<String> = decls
            .locals
            .iter()
            .map(|attr| attr.name().to_owned())
            .collect();

        let scope_for = |file: FileId| Scope {
            file,
            variables: &variable_values,
            locals: &locals,
            declared_locals: &declared_locals,
            resources: &resource_table,
            each: None,
            count_index: None,
            allow_resources: true,
            forbid_named_values: None,
            values: None,
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

        providers.sort_by(|a, b| a.addr.cmp(&b.addr));
        let context = EvalContext {
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
            context,
        }
    }

    /// Evaluates `expr` in a literal-only scope (defaults, lifecycle, backend).
    fn literal(&mut self, attr: Attr<'_>, what: &'static str) -> Option<Value> {
        let scope = Scope::literal(attr.file, what);
        match eval::evaluate(attr.expr(), &scope) {
            Ok(value) => Some(value),
            Err(diagnostic) => {
                self.push(*diagnostic);
                None
            }
        }
    }

    fn expect_string(&mut self, attr: Attr<'_>, value: Value) -> Option<String> {
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

    fn expect_bool(&mut self, attr: Attr<'_>, value: Value) -> Option<bool> {
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

    fn resolve_variables(
        &mut self,
        decls: &Decls<'_>,
        auto_files: &[FileId],
        options: &LoadOptions,
        sources: &mut SourceMap,
    ) -> Vec<Variable> {
        let mut variables: BTreeMap<String, Variable> = BTreeMap::new();
        let mut validations: BTreeMap<String, Vec<(Attr<'_>, Option<Attr<'_>>)>> = BTreeMap::new();
        for decl in &decls.variables {
            if let Some(first) = variables.get(&decl.name) {
                let first_span = first.span;
                self.push(
                    Diagnostic::error(
                        "duplicate-variable",
                        format!("variable `{}` is declared twice", decl.name),
                        decl.span,
                    )
                    .with_secondary(first_span, "first declared here"),
                );
                continue;
            }
            let ty = match decl.ty {
                Some(attr) => match types::parse_type(attr.expr()) {
                    Ok(ty) => ty,
                    Err(why) => {
                        self.error("invalid-type", format!("invalid type for variable `{}`: {why}", decl.name), attr.value_span())
                            .help = Some("types are string, number, bool, any, list(T), set(T), map(T) and object({...})".to_owned());
                        VarType::Any
                    }
                },
                None => VarType::Any,
            };
            let description = decl.description.and_then(|attr| {
                let value = self.literal(attr, "a variable description")?;
                self.expect_string(attr, value)
            });
            let sensitive = decl.sensitive.and_then(|attr| {
                let value = self.literal(attr, "`sensitive`")?;
                self.expect_bool(attr, value)
            }) == Some(true);
            let (value, source) = match decl.default {
                Some(attr) => match self.literal(attr, "a variable default") {
                    Some(value) => match types::convert(value, &ty) {
                        Ok(value) => (value, ValueSource::Default),
                        Err(why) => {
                            self.error("type-mismatch", format!("the default of variable `{}` does not match its type {ty}: {why}", decl.name), attr.value_span());
                            (Value::Unknown, ValueSource::Default)
                        }
                    },
                    None => (Value::Unknown, ValueSource::Default),
                },
                None => (Value::Null, ValueSource::Unset),
            };
            validations.insert(decl.name.clone(), decl.validations.clone());
            variables.insert(
                decl.name.clone(),
                Variable {
                    name: decl.name.clone(),
                    span: decl.span,
                    ty,
                    description,
                    sensitive,
                    value,
                    source,
                },
            );
        }

        // Environment, then auto files, then the command line: later sources win.
        for (name, raw) in &options.env_vars {
            if let Some(variable) = variables.get_mut(name) {
                match raw_variable_value(raw, &variable.ty) {
                    Ok(value) => {
                        variable.value = value;
                        variable.source = ValueSource::Environment;
                    }
                    Err(why) => self.push(Diagnostic::global_error(
                        "invalid-variable-value",
                        format!(
                            "invalid value for variable `{name}` in SNAPFORM_VAR_{name}: {why}"
                        ),
                    )),
                }
            }
        }
        for file in auto_files {
            let name = sources.name(*file).to_owned();
            self.apply_vars_file(*file, sources, &mut variables, ValueSource::AutoFile(name));
        }
        for arg in &options.var_args {
            match arg {
                VarArg::Var { name, value: raw } => match variables.get_mut(name) {
                    Some(variable) => match raw_variable_value(raw, &variable.ty) {
                        Ok(value) => {
                            variable.value = value;
                            variable.source = ValueSource::CommandLine;
                        }
                        Err(why) => self.push(Diagnostic::global_error(
                            "invalid-variable-value",
                            format!("invalid value for -var {name}: {why}"),
                        )),
                    },
                    None => {
                        let declared: Vec<&str> = variables.keys().map(String::as_str).collect();
                        self.push(
                            Diagnostic::global_error(
                                "undeclared-variable",
                                format!("-var sets `{name}`, which is not declared"),
                            )
                            .with_help(did_you_mean(
                                name,
                                declared.iter().copied(),
                                &format!("declare it with a `variable \"{name}\"` block"),
                            )),
                        );
                    }
                },
                VarArg::File(path) => match std::fs::read_to_string(path) {
                    Ok(text) => {
                        let display = path.display().to_string();
                        let file = sources.add(display.clone(), text);
                        self.apply_vars_file(
                            file,
                            sources,
                            &mut variables,
                            ValueSource::VarFile(display),
                        );
                    }
                    Err(error) => self.push(Diagnostic::global_error(
                        "unreadable-file",
                        format!("cannot read -var-file {}: {error}", path.display()),
                    )),
                },
            }
        }

        for variable in variables.values_mut() {
            if variable.source == ValueSource::Unset && options.allow_unset_variables {
                variable.value = Value::Unknown;
            } else if variable.source == ValueSource::Unset {
                self.error(
                    "missing-variable",
                    format!("no value for required variable `{}`", variable.name),
                    variable.span,
                )
                .help = Some(format!(
                    "set it with -var '{0}=...', a -var-file, a *.auto.vars.hcl file or SNAPFORM_VAR_{0}, or give the variable a default",
                    variable.name
                ));
            }
        }

        // Validation blocks see only their own variable.
        let values: BTreeMap<String, Value> = variables
            .iter()
            .map(|(name, variable)| (name.clone(), variable.value.clone()))
            .collect();
        for (name, rules) in &validations {
            let Some(value) = values.get(name) else {
                continue;
            };
            if !value.is_known() {
                continue;
            }
            let own: BTreeMap<String, Value> =
                [(name.clone(), value.clone())].into_iter().collect();
            for (condition, message) in rules {
                let scope = Scope::variables_only(condition.file, &own);
                match eval::evaluate(condition.expr(), &scope) {
                    Ok(Value::Bool(true) | Value::Unknown) => {}
                    Ok(Value::Bool(false)) => {
                        let text = message
                            .and_then(|attr| eval::evaluate(attr.expr(), &scope).ok())
                            .and_then(|value| value.to_template_string())
                            .unwrap_or_else(|| "the value failed its validation".to_owned());
                        self.error(
                            "variable-validation",
                            format!("invalid value for variable `{name}`: {text}"),
                            condition.value_span(),
                        )
                        .help = Some(format!("the value is {value}"));
                    }
                    Ok(other) => {
                        self.error(
                            "type-mismatch",
                            format!(
                                "a validation condition must be true or false, got {}",
                                describe(&other)
                            ),
                            condition.value_span(),
                        );
                    }
                    Err(diagnostic) => self.push(*diagnostic),
                }
            }
        }
        variables.into_values().collect()
    }

    fn apply_vars_file(
        &mut self,
        file: FileId,
        sources: &SourceMap,
        variables: &mut BTreeMap<String, Variable>,
        source: ValueSource,
    ) {
        let parsed = match syntax::parse(sources, file) {
            Ok(parsed) => parsed,
            Err(diagnostic) => {
                self.push(*diagnostic);
                return;
            }
        };
        for structure in parsed.body.iter() {
            let attr = match structure {
                Structure::Attribute(attr) => Attr { file, attr },
                Structure::Block(block) => {
                    self.error(
                        "unexpected-block",
                        "a variables file holds only `name = value` lines",
                        header_span(file, block),
                    );
                    continue;
                }
            };
            let name = attr.name();
            let Some(value) = self.literal(attr, "a variables file") else {
                continue;
            };
            match variables.get_mut(name) {
                Some(variable) => match types::convert(value, &variable.ty) {
                    Ok(value) => {
                        variable.value = value;
                        variable.source = source.clone();
                    }
                    Err(why) => {
                        let ty = variable.ty.to_string();
                        self.error(
                            "type-mismatch",
                            format!("invalid value for variable `{name}`: {why}"),
                            attr.value_span(),
                        )
                        .help = Some(format!("the variable's type is {ty}"));
                    }
                },
                None => {
                    let declared: Vec<&str> = variables.keys().map(String::as_str).collect();
                    let help = did_you_mean(
                        name,
                        declared.iter().copied(),
                        "declare it with a variable block, or remove this line",
                    );
                    self.push(
                        Diagnostic::warning(
                            "undeclared-variable",
                            format!("value for undeclared variable `{name}`"),
                            attr.key_span(),
                        )
                        .with_help(help),
                    );
                }
            }
        }
    }

    /// Evaluates locals in dependency order; returns their values and, for each local, the
    /// resources it refers to directly or through other locals.
    fn evaluate_locals(
        &mut self,
        decls: &Decls<'_>,
        variables: &BTreeMap<String, Value>,
        resources: &ResourceTable,
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
            let scope = Scope {
                file: attr.file,
                variables,
                locals: &values,
                declared_locals: &declared,
                resources,
                each: None,
                count_index: None,
                allow_resources: true,
                forbid_named_values: None,
                values: None,
            };
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

    fn evaluate_providers<'s>(
        &mut self,
        decls: &Decls<'_>,
        scope_for: &dyn Fn(FileId) -> Scope<'s>,
    ) -> Vec<ProviderConfig> {
        let mut providers: Vec<ProviderConfig> = Vec::new();
        for decl in &decls.providers {
            let Some(schema) = provider_schema(&decl.name) else {
                self.error(
                    "unknown-provider",
                    format!("unknown provider `{}`", decl.name),
                    decl.name_span,
                )
                .help = Some(did_you_mean(
                    &decl.name,
                    provider_names().into_iter(),
                    "snapform's providers are tencentcloud and alicloud",
                ));
                continue;
            };
            let scope = Scope {
                allow_resources: false,
                forbid_named_values: None,
                ..scope_for(decl.file)
            };
            let mut config = ProviderConfig {
                addr: ProviderAddr::default_for(schema.name),
                span: Some(decl.span),
                region: None,
                endpoint: None,
                rate_limit: None,
                ca_file: None,
                argument_spans: BTreeMap::new(),
                secrets: BTreeMap::new(),
            };
            for attr in &decl.attrs {
                let name = attr.name();
                if name == "alias" {
                    let alias = match eval::evaluate(attr.expr(), &scope) {
                        Ok(Value::String(alias)) if is_identifier(&alias) => alias,
                        Ok(other) => {
                            self.error(
                                "invalid-alias",
                                format!(
                                    "`alias` must be a name such as \"edge\", got {}",
                                    describe(&other)
                                ),
                                attr.value_span(),
                            );
                            continue;
                        }
                        Err(diagnostic) => {
                            self.push(*diagnostic);
                            continue;
                        }
                    };
                    config.addr.alias = Some(alias);
                    continue;
                }
                let Some(arg) = schema.argument(name) else {
                    let mut allowed: Vec<&str> =
                        schema.arguments.iter().map(|arg| arg.name).collect();
                    allowed.push("alias");
                    self.unsupported_argument(
                        *attr,
                        name,
                        &allowed,
                        &format!("provider \"{}\"", schema.name),
                    );
                    continue;
                };
                let value = match eval::evaluate(attr.expr(), &scope) {
                    Ok(value) => value,
                    Err(diagnostic) => {
                        let mut diagnostic = *diagnostic;
                        if diagnostic.code == "invalid-reference" {
                            diagnostic.message =
                                "provider configuration cannot refer to resources".to_owned();
                        }
                        self.push(diagnostic);
                        continue;
                    }
                };
                let Some(value) = self.check_argument(
                    name,
                    arg.ty,
                    arg.constraints,
                    arg.item_constraints,
                    value,
                    attr.value_span(),
                    None,
                ) else {
                    continue;
                };
                config
                    .argument_spans
                    .insert(name.to_owned(), attr.value_span());
                match (name, value) {
                    ("region", Value::String(text)) => config.region = Some(text),
                    ("ca_file", Value::String(text)) => config.ca_file = Some(text),
                    ("endpoint", Value::String(text)) => config.endpoint = Some(text),
                    ("rate_limit", Value::Number(number)) => config.rate_limit = Some(number),
                    (_, Value::String(text)) if arg.sensitive => {
                        config.secrets.insert(name.to_owned(), Secret::new(text));
                    }
                    _ => {}
                }
            }
            if let Some(first) = providers.iter().find(|other| other.addr == config.addr) {
                let first_span = first.span.unwrap_or(decl.span);
                let help = if config.addr.alias.is_none() {
                    "give one of them an `alias` and select it in resources with `provider = "
                        .to_owned()
                        + schema.name
                        + ".ALIAS`"
                } else {
                    "aliases must be unique per provider".to_owned()
                };
                self.push(
                    Diagnostic::error(
                        "duplicate-provider",
                        format!("provider configuration `{}` is declared twice", config.addr),
                        decl.span,
                    )
                    .with_secondary(first_span, "first declared here")
                    .with_help(help),
                );
                continue;
            }
            providers.push(config);
        }
        providers
    }

    /// Checks and converts a value for an argument of type `ty`; reports problems at `span`.
    /// `instance` names the resource instance in labels when the resource has several.
    #[allow(clippy::too_many_arguments)]
    fn check_argument(
        &mut self,
        name: &str,
        ty: AttrType,
        constraints: &[snapform_core::Constraint],
        item_constraints: &[snapform_core::Constraint],
        value: Value,
        span: Span,
        instance: Option<&str>,
    ) -> Option<Value> {
        let label = instance
            .map(|addr| format!("in {addr}"))
            .unwrap_or_default();
        let mismatch = |loader: &mut Loader, got: &Value| {
            loader.push(
                Diagnostic::error(
                    "type-mismatch",
                    format!("`{name}` must be a {ty}, got {}", describe(got)),
                    span,
                )
                .with_label(label.clone()),
            );
        };
        if value == Value::Unknown {
            return Some(value);
        }
        let converted = match (ty, value) {
            (_, Value::Null) => return Some(Value::Null),
            (AttrType::String, value) => match value.to_template_string() {
                Some(text) => Value::String(text),
                None => {
                    mismatch(self, &value);
                    return None;
                }
            },
            (AttrType::Number, value) => match eval::to_number(&value) {
                Some(number) => Value::Number(number),
                None => {
                    mismatch(self, &value);
                    return None;
                }
            },
            (AttrType::Bool, Value::Bool(flag)) => Value::Bool(flag),
            (
                AttrType::SetOfString | AttrType::ListOfString,
                Value::List(items) | Value::Set(items),
            ) => {
                let mut strings = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::Unknown => strings.push(Value::Unknown),
                        other => match other.to_template_string() {
                            Some(text) => strings.push(Value::String(text)),
                            None => {
                                self.push(
                                    Diagnostic::error(
                                        "type-mismatch",
                                        format!(
                                            "`{name}` must be a {ty}, but one element is {}",
                                            describe(&other)
                                        ),
                                        span,
                                    )
                                    .with_label(label.clone()),
                                );
                                return None;
                            }
                        },
                    }
                }
                if ty == AttrType::SetOfString {
                    let mut seen = BTreeSet::new();
                    for item in &strings {
                        if let Value::String(text) = item
                            && !seen.insert(text.clone())
                        {
                            self.push(
                                Diagnostic::error(
                                    "duplicate-item",
                                    format!("`{name}` lists {text:?} more than once"),
                                    span,
                                )
                                .with_label(label.clone())
                                .with_help("each item may appear only once"),
                            );
                            return None;
                        }
                    }
                    Value::set(strings)
                } else {
                    Value::List(strings)
                }
            }
            (AttrType::MapOfString, Value::Map(entries)) => {
                let mut res = BTreeMap::new();
                for (key, item) in entries {
                    let text = match item {
                        Value::Unknown => Value::Unknown,
                        other => match other.to_template_string() {
                            Some(text) => Value::String(text),
                            None => {
                                self.push(
                                    Diagnostic::error(
                                        "type-mismatch",
                                        format!(
                                            "`{name}` must be a {ty}, but {key:?} is {}",
                                            describe(&other)
                                        ),
                                        span,
                                    )
                                    .with_label(label.clone()),
                                );
                                return None;
                            }
                        },
                    };
                    res.insert(key, text);
                }
                Value::Map(res)
            }
            (_, other) => {
                mismatch(self, &other);
                return None;
            }
        };
        let mut ok = true;
        for constraint in constraints {
            if let Err(violation) = constraint.check(name, &converted) {
                self.push(violation_diagnostic(violation, span, &label));
                ok = false;
            }
        }
        if let Value::List(items) | Value::Set(items) = &converted {
            for item in items {
                for constraint in item_constraints {
                    if let Err(violation) = constraint.check(name, item) {
                        self.push(violation_diagnostic(violation, span, &label));
                        ok = false;
                    }
                }
            }
        }
        ok.then_some(converted)
    }

    #[allow(clippy::too_many_arguments)]
    fn evaluate_resource(
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
            decl,
            scope,
            self.allow_unset_variables && reads_no_resource(decl, local_resource_refs),
        );
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
        };
        let instances = self.instances(&decl.addr, &source, scope);

        Resource {
            addr: decl.addr.clone(),
            span: decl.span,
            provider,
            source,
            expansion,
            depends_on: depends_on.into_iter().collect(),
            explicit_depends_on,
            lifecycle,
            timeouts,
            instances,
        }
    }

    /// Evaluates the arguments of every instance of a resource and checks them against its
    /// schema; used when loading and again by the planner with known values of other resources.
    pub(crate) fn instances(
        &mut self,
        addr: &ResourceAddr,
        source: &ArgumentSource,
        scope: &Scope<'_>,
    ) -> Vec<ResourceInstance> {
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
                ..*scope
            };
            let instance_name = (*key != InstanceKey::None).then(|| instance_addr.to_string());
            let mut arguments = BTreeMap::new();
            let mut argument_spans = BTreeMap::new();
            let before = self.diagnostics.len();
            for (arg, file, expr) in &source.exprs {
                let value_span = span_of(*file, expr);
                argument_spans.insert(arg.name.to_owned(), value_span);
                instance_scope.file = *file;
                let value = match eval::evaluate(expr, &instance_scope) {
                    Ok(value) => value,
                    Err(diagnostic) => {
                        self.push(*diagnostic);
                        continue;
                    }
                };
                let Some(value) = self.check_argument(
                    arg.name,
                    arg.ty,
                    arg.constraints,
                    arg.item_constraints,
                    value,
                    value_span,
                    instance_name.as_deref(),
                ) else {
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
                argument_spans,
            });
        }
        self.finish_repeats(repeats);
        instances
    }

    /// Drops diagnostics pushed since `before` that repeat one already reported for another
    /// instance at the same place, counting them.
    fn fold_repeats(&mut self, before: usize, repeats: &mut InstanceDiagnostics) {
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

    fn finish_repeats(&mut self, repeats: InstanceDiagnostics) {
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
    fn expand(
        &mut self,
        decl: &ResourceDecl<'_>,
        scope: &Scope<'_>,
        placeholder_if_unknown: bool,
    ) -> (Expansion, Vec<InstanceSeed>) {
        // When count or for_each cannot be evaluated, one placeholder instance with unknown
        // `count.index` / `each` still gets its arguments checked, so one run reports every
        // problem of the block.
        let placeholder = || vec![(InstanceKey::None, Some((Value::Unknown, Value::Unknown)))];
        if let Some(attr) = decl.count {
            let value = match eval::evaluate(attr.expr(), scope) {
                Ok(value) => value,
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
        if let Some(attr) = decl.for_each {
            let value = match eval::evaluate(attr.expr(), scope) {
                Ok(value) => value,
                Err(diagnostic) => {
                    self.push(*diagnostic);
                    return (Expansion::ForEach(Vec::new()), placeholder());
                }
            };
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

    fn evaluate_lifecycle(&mut self, decl: &ResourceDecl<'_>) -> Lifecycle {
        let mut lifecycle = Lifecycle::default();
        for attr in &decl.lifecycle {
            match attr.name() {
                "prevent_destroy" | "create_before_destroy" => {
                    let Some(value) = self.literal(*attr, "lifecycle arguments") else {
                        continue;
                    };
                    let Some(flag) = self.expect_bool(*attr, value) else {
                        continue;
                    };
                    if attr.name() == "prevent_destroy" {
                        lifecycle.prevent_destroy = flag;
                    } else {
                        lifecycle.create_before_destroy = flag;
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
                    &["prevent_destroy", "create_before_destroy", "ignore_changes"],
                    "a lifecycle block",
                ),
            }
        }
        lifecycle.ignore_changes.sort();
        lifecycle.ignore_changes.dedup();
        lifecycle
    }

    fn evaluate_timeouts(&mut self, decl: &ResourceDecl<'_>) -> Timeouts {
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

    fn check_resource_cycles(
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

    fn evaluate_outputs<'s>(
        &mut self,
        decls: &Decls<'_>,
        scope_for: &dyn Fn(FileId) -> Scope<'s>,
    ) -> Vec<Output> {
        let mut outputs: BTreeMap<String, Output> = BTreeMap::new();
        for decl in &decls.outputs {
            if let Some(first) = outputs.get(&decl.name) {
                let first_span = first.span;
                self.push(
                    Diagnostic::error(
                        "duplicate-output",
                        format!("output `{}` is declared twice", decl.name),
                        decl.span,
                    )
                    .with_secondary(first_span, "first declared here"),
                );
                continue;
            }
            let scope = scope_for(decl.file);
            let mut output = Output {
                name: decl.name.clone(),
                span: decl.span,
                description: None,
                sensitive: false,
                value: Value::Null,
            };
            let mut has_value = false;
            for attr in &decl.attrs {
                let value = match eval::evaluate(attr.expr(), &scope) {
                    Ok(value) => value,
                    Err(diagnostic) => {
                        self.push(*diagnostic);
                        if attr.name() == "value" {
                            has_value = true;
                        }
                        continue;
                    }
                };
                match attr.name() {
                    "value" => {
                        has_value = true;
                        output.value = value;
                    }
                    "description" => output.description = self.expect_string(*attr, value),
                    "sensitive" => output.sensitive = self.expect_bool(*attr, value) == Some(true),
                    other => self.unsupported_argument(
                        *attr,
                        other,
                        &["value", "description", "sensitive"],
                        "an output block",
                    ),
                }
            }
            if !has_value {
                self.error(
                    "missing-argument",
                    format!(
                        "output `{}` is missing the required argument `value`",
                        decl.name
                    ),
                    decl.span,
                );
            }
            outputs.insert(decl.name.clone(), output);
        }
        outputs.into_values().collect()
    }

    fn evaluate_backend(&mut self, decls: &Decls<'_>) -> Backend {
        let Some(decl) = &decls.backend else {
            return Backend::default();
        };
        let mut strings: BTreeMap<&str, String> = BTreeMap::new();
        let allowed: &[&str] = match decl.kind.as_str() {
            "local" => &["path"],
            "pg" => &["conn_str", "schema_name"],
            other => {
                self.error(
                    "unknown-backend",
                    format!("unknown backend `{other}`"),
                    decl.kind_span,
                )
                .help = Some("backends are local and pg".to_owned());
                return Backend::default();
            }
        };
        for attr in &decl.attrs {
            if !allowed.contains(&attr.name()) {
                self.unsupported_argument(
                    *attr,
                    attr.name(),
                    allowed,
                    &format!("backend \"{}\"", decl.kind),
                );
                continue;
            }
            let Some(value) = self.literal(*attr, "backend settings") else {
                continue;
            };
            if let Some(text) = self.expect_string(*attr, value) {
                strings.insert(attr.name(), text);
            }
        }
        match decl.kind.as_str() {
            "pg" => Backend::Pg {
                conn_str: strings.remove("conn_str").map(Secret::new),
                schema_name: strings
                    .remove("schema_name")
                    .unwrap_or_else(|| "snapform_remote_state".to_owned()),
            },
            _ => Backend::Local {
                path: strings
                    .remove("path")
                    .unwrap_or_else(|| "snapform.tfstate".to_owned()),
            },
        }
    }
}

/// Whether an unknown `count`/`for_each` of `decl` may stand for unset variables rather than
/// resource attributes: true when the expression reads no resource, directly or via locals.
fn reads_no_resource(
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

fn violation_diagnostic(
    violation: snapform_core::schema::Violation,
    span: Span,
    label: &str,
) -> Diagnostic {
    let mut diagnostic =
        Diagnostic::error(violation.code, violation.message, span).with_label(label);
    diagnostic.help = violation.help;
    diagnostic
}

/// `value` in a message: primitives as written, collections by type.
fn describe(value: &Value) -> String {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => value.to_string(),
        Value::Unknown => "a value known only after apply".to_owned(),
        other => format!("a {}", other.type_name()),
    }
}

/// `tencentcloud` or `tencentcloud.alias` written as a bare reference.
fn provider_reference(expr: &Expression) -> Option<ProviderAddr> {
    match expr {
        Expression::Variable(ident) => Some(ProviderAddr::default_for(ident.value().as_str())),
        Expression::Traversal(traversal) => {
            let Expression::Variable(root) = &traversal.expr else {
                return None;
            };
            match traversal.operators.as_slice() {
                [op] => match op.value() {
                    TraversalOperator::GetAttr(alias) => Some(ProviderAddr {
                        name: root.value().as_str().to_owned(),
                        alias: Some(alias.value().as_str().to_owned()),
                    }),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// `type.name` written as a bare reference.
fn resource_reference(expr: &Expression) -> Option<ResourceAddr> {
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

/// Reads a `-var` or environment value: literal text for string variables, HCL otherwise.
fn raw_variable_value(raw: &str, ty: &VarType) -> Result<Value, String> {
    if *ty == VarType::String {
        return Ok(Value::String(raw.to_owned()));
    }
    let value = match hcl::edit::parser::parse_expr(raw) {
        Ok(expr) => {
            let mut sources = SourceMap::new();
            let file = sources.add("<value>", raw);
            let scope = Scope::literal(file, "a variable value");
            match eval::evaluate(&expr, &scope) {
                Ok(value) => value,
                Err(_) if *ty == VarType::Any => Value::String(raw.to_owned()),
                Err(diagnostic) => return Err(diagnostic.message),
            }
        }
        Err(_) if *ty == VarType::Any => Value::String(raw.to_owned()),
        Err(error) => return Err(format!("cannot parse {raw:?}: {}", error.message())),
    };
    types::convert(value, ty)
}
