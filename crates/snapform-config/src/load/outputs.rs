//! Output blocks.

use std::collections::BTreeMap;

use snapform_core::{Diagnostic, FileId, Span, Value};

use super::Loader;
use super::decode::Decls;
use crate::eval::{self, Scope};
use crate::model::Output;

impl Loader {
    pub(super) fn evaluate_outputs<'s>(
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
                expression: Default::default(),
            };
            let mut has_value = false;
            let mut value_marked = false;
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
                        output.expression = crate::summary::summarize(attr.expr());
                        let (value, marked) = value.unmark_deep();
                        output.value = value;
                        value_marked = marked;
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
            if value_marked && !output.sensitive {
                self.push(sensitive_output_diagnostic(&decl.name, decl.span));
            }
            outputs.insert(decl.name.clone(), output);
        }
        outputs.into_values().collect()
    }
}

/// Terraform's rule: an output holding a sensitive value must say so, so nothing secret is
/// exported by accident.
pub(crate) fn sensitive_output_diagnostic(name: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "sensitive-output",
        format!("output `{name}` refers to sensitive values"),
        span,
    )
    .with_help(
        "outputs holding sensitive data must be marked explicitly, to confirm the intent: add `sensitive = true` to the output block",
    )
}
