//! Variables: declared types and defaults, then values from the environment, `*.auto.vars.hcl`
//! files and the command line (later wins), then `validation` blocks.

use std::collections::BTreeMap;

use snapform_core::{Diagnostic, FileId, SourceMap, Span, Value};

use super::decode::{Decls, header_span};
use super::{Attr, LoadOptions, Loader, VarArg};
use crate::eval::{self, Scope};
use crate::model::{ValueSource, VarType, Variable};
use crate::suggest::did_you_mean;
use crate::syntax;
use crate::types::{self, describe};
use hcl::edit::structure::Structure;

impl Loader {
    pub(super) fn resolve_variables(
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
                    default: (source == ValueSource::Default && value.is_known())
                        .then(|| value.clone()),
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
                        let json = display.ends_with(".json");
                        let file = sources.add(display.clone(), text);
                        let source = ValueSource::VarFile(display);
                        if json {
                            self.apply_json_vars_file(file, sources, &mut variables, source);
                        } else {
                            self.apply_vars_file(file, sources, &mut variables, source);
                        }
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
                // The load fails with this error; reading the variable as unknown, as validate
                // does, spares the user follow-on errors about what depends on it.
                variable.value = Value::Unknown;
                self.allow_unset_variables = true;
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

        // Validation blocks see only their own variable, marked when it is sensitive.
        let values: BTreeMap<String, Value> = variables
            .iter()
            .map(|(name, variable)| {
                let value = variable.value.clone().marked_if(variable.sensitive);
                (name.clone(), value)
            })
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
                match eval::evaluate(condition.expr(), &scope).map(|value| value.unmark_deep().0) {
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

    /// A `.tfvars.json` file: one JSON object of variable values, as Terraform reads it.
    fn apply_json_vars_file(
        &mut self,
        file: FileId,
        sources: &SourceMap,
        variables: &mut BTreeMap<String, Variable>,
        source: ValueSource,
    ) {
        let text = sources.text(file);
        // serde_json keeps no positions: a value's span is its key's first occurrence.
        let span_of_key = |name: &str| {
            let quoted = format!("\"{name}\"");
            let start = text.find(&quoted).unwrap_or(0);
            Span::new(file, start..start + quoted.len().min(text.len() - start))
        };
        let object = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) => object,
            Ok(_) => {
                self.error(
                    "invalid-vars-file",
                    "a JSON variables file holds one object of `\"name\": value` pairs",
                    Span::new(file, 0..text.len().min(1)),
                );
                return;
            }
            Err(error) => {
                let line_start = sources.line_start(file, error.line() as u32) as usize;
                let offset = (line_start + error.column().saturating_sub(1)).min(text.len());
                self.error(
                    "invalid-vars-file",
                    format!("not valid JSON: {error}"),
                    Span::new(file, offset..offset),
                );
                return;
            }
        };
        for (name, json) in &object {
            let value = Value::from_json(json);
            self.set_from_file(
                variables,
                name,
                value,
                span_of_key(name),
                span_of_key(name),
                &source,
            );
        }
    }

    /// Sets `name` from a variables file: converted to its type, or a diagnostic at
    /// `value_span`; an undeclared name is a warning at `name_span`.
    fn set_from_file(
        &mut self,
        variables: &mut BTreeMap<String, Variable>,
        name: &str,
        value: Value,
        value_span: Span,
        name_span: Span,
        source: &ValueSource,
    ) {
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
                        value_span,
                    )
                    .help = Some(format!("the variable's type is {ty}"));
                }
            },
            None => {
                let declared: Vec<&str> = variables.keys().map(String::as_str).collect();
                let help = did_you_mean(
                    name,
                    declared.iter().copied(),
                    "declare it with a variable block, or remove it from the file",
                );
                self.push(
                    Diagnostic::warning(
                        "undeclared-variable",
                        format!("value for undeclared variable `{name}`"),
                        name_span,
                    )
                    .with_help(help),
                );
            }
        }
    }

    pub(super) fn apply_vars_file(
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
            self.set_from_file(
                variables,
                name,
                value,
                attr.value_span(),
                attr.key_span(),
                &source,
            );
        }
    }
}

/// Reads a `-var` or environment value: literal text for string variables, HCL otherwise.
pub(super) fn raw_variable_value(raw: &str, ty: &VarType) -> Result<Value, String> {
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
