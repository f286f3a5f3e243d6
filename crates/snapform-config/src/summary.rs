//! How an expression is written, as Terraform's JSON plan `configuration` shows it: its value
//! when it is a constant, otherwise the references it makes, each traversal expanded from its
//! longest form to its shortest (`var.m["k"][0]`, `var.m["k"]`, `var.m`), in source order.
//!
//! This walk differs from [`crate::eval::references`], which finds what an expression depends
//! on for the dependency graph: here every prefix of every traversal is listed, `each`,
//! `count`, `path` and `snapform` references included, and `for` variables left out.

use hcl::edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl::edit::template::{Directive, Element, Template};
use serde::Serialize;
use snapform_core::schema::resource_schema;
use snapform_core::{SourceMap, Value};

use crate::eval::{self, Scope};

/// One expression as the JSON configuration shows it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ExpressionSummary {
    /// Its value, when it is made of literals only.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "optional_value"
    )]
    pub constant_value: Option<Value>,
    /// What it refers to, each traversal from its longest form to its shortest.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub references: Vec<String>,
}

/// Summarises `expr`.
pub fn summarize(expr: &Expression) -> ExpressionSummary {
    let mut walker = Walker {
        references: Vec::new(),
        bound: Vec::new(),
    };
    walker.expr(expr);
    let constant_value = if walker.references.is_empty() {
        constant(expr)
    } else {
        None
    };
    ExpressionSummary {
        constant_value,
        references: walker.references,
    }
}

/// The value of an expression made of literals only; functions and references make it `None`.
fn constant(expr: &Expression) -> Option<Value> {
    if contains_call(expr) {
        return None;
    }
    let mut sources = SourceMap::new();
    let file = sources.add("<constant>", "");
    match eval::evaluate(expr, &Scope::literal(file, "a constant")) {
        Ok(value) if value.is_known() && !value.contains_sensitive() => Some(value),
        _ => None,
    }
}

fn contains_call(expr: &Expression) -> bool {
    match expr {
        Expression::FuncCall(_) | Expression::ForExpr(_) => true,
        Expression::Array(items) => items.iter().any(contains_call),
        Expression::Object(object) => object.iter().any(|(key, value)| {
            matches!(key, ObjectKey::Expression(key) if contains_call(key))
                || contains_call(value.expr())
        }),
        Expression::Parenthesis(inner) => contains_call(inner.inner()),
        Expression::UnaryOp(op) => contains_call(&op.expr),
        Expression::BinaryOp(op) => contains_call(&op.lhs_expr) || contains_call(&op.rhs_expr),
        Expression::Conditional(cond) => {
            contains_call(&cond.cond_expr)
                || contains_call(&cond.true_expr)
                || contains_call(&cond.false_expr)
        }
        _ => false,
    }
}

struct Walker {
    references: Vec<String>,
    /// Names bound by enclosing `for` expressions, which are not references.
    bound: Vec<String>,
}

impl Walker {
    fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Variable(ident) => self.traversal(ident.value().as_str(), &[]),
            Expression::Array(items) => items.iter().for_each(|item| self.expr(item)),
            Expression::Object(object) => {
                for (key, value) in object.iter() {
                    if let ObjectKey::Expression(key) = key {
                        self.expr(key);
                    }
                    self.expr(value.expr());
                }
            }
            Expression::StringTemplate(template) => self.template(template),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template),
            Expression::Parenthesis(inner) => self.expr(inner.inner()),
            Expression::Conditional(cond) => {
                self.expr(&cond.cond_expr);
                self.expr(&cond.true_expr);
                self.expr(&cond.false_expr);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|arg| self.expr(arg)),
            Expression::Traversal(traversal) => {
                match &traversal.expr {
                    Expression::Variable(root) => {
                        self.traversal(root.value().as_str(), &traversal.operators)
                    }
                    other => self.expr(other),
                }
                for operator in &traversal.operators {
                    if let TraversalOperator::Index(index) = operator.value() {
                        self.expr(index);
                    }
                }
            }
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(for_expr) => {
                self.expr(&for_expr.intro.collection_expr);
                let n_bound = self.bind(
                    for_expr.intro.key_var.as_ref().map(|v| v.value().as_str()),
                    for_expr.intro.value_var.value().as_str(),
                );
                if let Some(key) = &for_expr.key_expr {
                    self.expr(key);
                }
                self.expr(&for_expr.value_expr);
                if let Some(cond) = &for_expr.cond {
                    self.expr(&cond.expr);
                }
                self.bound.truncate(self.bound.len() - n_bound);
            }
        }
    }

    fn bind(&mut self, key: Option<&str>, value: &str) -> usize {
        self.bound.extend(key.map(str::to_owned));
        self.bound.push(value.to_owned());
        1 + usize::from(key.is_some())
    }

    fn template(&mut self, template: &Template) {
        for element in template.iter() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(interp) => self.expr(&interp.expr),
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        self.expr(&if_directive.if_expr.cond_expr);
                        self.template(&if_directive.if_expr.template);
                        if let Some(else_expr) = &if_directive.else_expr {
                            self.template(&else_expr.template);
                        }
                    }
                    Directive::For(for_directive) => {
                        let for_expr = &for_directive.for_expr;
                        self.expr(&for_expr.collection_expr);
                        let n_bound = self.bind(
                            for_expr.key_var.as_ref().map(|v| v.value().as_str()),
                            for_expr.value_var.value().as_str(),
                        );
                        self.template(&for_expr.template);
                        self.bound.truncate(self.bound.len() - n_bound);
                    }
                },
            }
        }
    }

    /// Records `root` with its operators, each prefix down to the subject of the reference.
    fn traversal(&mut self, root: &str, operators: &[hcl::edit::Decorated<TraversalOperator>]) {
        if self.bound.iter().any(|name| name == root) {
            return;
        }
        // The subject: how many steps make the shortest meaningful reference.
        let subject_len = match root {
            "var" | "local" | "each" | "count" | "path" | "snapform" | "terraform" | "rotation" => {
                1
            }
            type_name if resource_schema(type_name).is_some() => 1,
            _ => return,
        };
        let mut text = root.to_owned();
        let mut forms = Vec::new();
        for (idx, operator) in operators.iter().enumerate() {
            match operator.value() {
                TraversalOperator::GetAttr(attr) => {
                    text.push('.');
                    text.push_str(attr.value().as_str());
                }
                TraversalOperator::Index(index) => match index {
                    Expression::String(key) => text.push_str(&format!("[{:?}]", key.value())),
                    Expression::Number(number) => text.push_str(&format!("[{}]", number.value())),
                    _ => break,
                },
                TraversalOperator::LegacyIndex(index) => {
                    text.push_str(&format!("[{}]", index.value()))
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => break,
            }
            if idx + 1 >= subject_len {
                forms.push(text.clone());
            }
        }
        if forms.is_empty() {
            // A bare `var` or a resource type with no name is not a reference.
            return;
        }
        // The resource without its instance key is one more, shorter form.
        let is_resource = resource_schema(root).is_some();
        forms.reverse();
        self.references.extend(forms.iter().cloned());
        if is_resource && operators.len() > 1 {
            let whole = format!(
                "{root}.{}",
                match operators[0].value() {
                    TraversalOperator::GetAttr(name) => name.value().as_str(),
                    _ => return,
                }
            );
            if !forms.contains(&whole) {
                self.references.push(whole);
            }
        }
    }
}

/// The configuration as Terraform's JSON plan `configuration` and `variables` show it, kept in
/// the plan so `show -json PLANFILE` needs nothing else. Sensitive values are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ConfigSummary {
    /// Provider configurations, by address.
    pub providers: Vec<ProviderSummary>,
    /// Resource blocks, by address.
    pub resources: Vec<ResourceSummary>,
    /// Variables, by name.
    pub variables: Vec<VariableSummary>,
    /// Outputs, by name.
    pub outputs: Vec<OutputSummary>,
}

/// A provider configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ProviderSummary {
    /// `tencentcloud` or `tencentcloud.ALIAS`.
    pub key: String,
    /// The provider's name.
    pub name: String,
    /// Its alias.
    pub alias: Option<String>,
    /// Its arguments, credentials left out.
    pub expressions: std::collections::BTreeMap<String, ExpressionSummary>,
}

/// A resource block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ResourceSummary {
    /// `type.name`.
    pub address: String,
    /// The key of its provider configuration.
    pub provider_key: String,
    /// Its arguments.
    pub expressions: std::collections::BTreeMap<String, ExpressionSummary>,
    /// `count`, when set.
    pub count_expression: Option<ExpressionSummary>,
    /// `for_each`, when set.
    pub for_each_expression: Option<ExpressionSummary>,
    /// `depends_on`.
    pub depends_on: Vec<String>,
}

/// A variable.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct VariableSummary {
    /// Its name.
    pub name: String,
    /// The value the plan used; `None` when sensitive.
    #[serde(default, with = "optional_value")]
    pub value: Option<Value>,
    /// Its default; `None` when there is none or it is sensitive.
    #[serde(default, with = "optional_value")]
    pub default: Option<Value>,
    /// Its description.
    pub description: Option<String>,
    /// Whether it is sensitive.
    pub sensitive: bool,
}

/// An output.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct OutputSummary {
    /// Its name.
    pub name: String,
    /// How its value is written.
    pub expression: ExpressionSummary,
    /// Whether it is sensitive.
    pub sensitive: bool,
    /// Its description.
    pub description: Option<String>,
}

impl crate::model::Config {
    /// The configuration as Terraform's JSON plan shows it.
    pub fn summary(&self) -> ConfigSummary {
        ConfigSummary {
            providers: self
                .providers
                .iter()
                .map(|provider| ProviderSummary {
                    key: provider.addr.to_string(),
                    name: provider.addr.name.clone(),
                    alias: provider.addr.alias.clone(),
                    expressions: provider.expressions.clone(),
                })
                .collect(),
            resources: self
                .resources
                .iter()
                .map(|resource| {
                    let repetition = resource.repetition_expression.clone();
                    let counted = matches!(resource.expansion, crate::model::Expansion::Count(_));
                    ResourceSummary {
                        address: resource.addr.to_string(),
                        provider_key: resource.provider.to_string(),
                        expressions: resource.expressions.clone(),
                        count_expression: repetition.clone().filter(|_| counted),
                        for_each_expression: repetition.filter(|_| !counted),
                        depends_on: resource
                            .explicit_depends_on
                            .iter()
                            .map(ToString::to_string)
                            .collect(),
                    }
                })
                .collect(),
            variables: self
                .variables
                .iter()
                .map(|variable| VariableSummary {
                    name: variable.name.clone(),
                    value: (!variable.sensitive && variable.value.is_known())
                        .then(|| variable.value.clone()),
                    default: variable.default.clone().filter(|_| !variable.sensitive),
                    description: variable.description.clone(),
                    sensitive: variable.sensitive,
                })
                .collect(),
            outputs: self
                .outputs
                .iter()
                .map(|output| OutputSummary {
                    name: output.name.clone(),
                    expression: output.expression.clone(),
                    sensitive: output.sensitive,
                    description: output.description.clone(),
                })
                .collect(),
        }
    }
}

mod optional_value {
    use snapform_core::Value;

    pub fn serialize<S: serde::Serializer>(
        value: &Option<Value>,
        ser: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serde::Serialize::serialize(&value.to_json(), ser),
            None => ser.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Value>, D::Error> {
        let json: Option<serde_json::Value> = serde::Deserialize::deserialize(de)?;
        Ok(json.map(|json| Value::from_json(&json)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, constant: Option<&str>, references: &[&str]) {
        let expr = hcl::edit::parser::parse_expr(text).expect("valid expression");
        let summary = summarize(&expr);
        assert_eq!(
            summary
                .constant_value
                .map(|value| value.to_json().to_string()),
            constant.map(str::to_owned),
            "{text}"
        );
        assert_eq!(summary.references, references, "{text}");
    }

    #[test]
    fn constants_and_references_read_as_terraform_shows_them() {
        check(r#""plain""#, Some(r#""plain""#), &[]);
        check("[1, null]", Some("[1,null]"), &[]);
        check("null", Some("null"), &[]);
        check("upper(\"x\")", None, &[]);
        check("var.a", None, &["var.a"]);
        check(
            r#"var.m["k"][0]"#,
            None,
            &[r#"var.m["k"][0]"#, r#"var.m["k"]"#, "var.m"],
        );
        check(
            "tencentcloud_cbs_disk_backup.b[0].id",
            None,
            &[
                "tencentcloud_cbs_disk_backup.b[0].id",
                "tencentcloud_cbs_disk_backup.b[0]",
                "tencentcloud_cbs_disk_backup.b",
            ],
        );
        check(
            "tencentcloud_cbs_disk_backup.b[*].id",
            None,
            &["tencentcloud_cbs_disk_backup.b"],
        );
        check(
            r#""${var.env}-${each.key}-${count.index}""#,
            None,
            &["var.env", "each.key", "count.index"],
        );
        check(
            "{ for k, b in tencentcloud_cbs_disk_backup.nightly : k => b.id }",
            None,
            &["tencentcloud_cbs_disk_backup.nightly"],
        );
    }
}
