//! Variable type constraints: reading `type = ...` and converting values to a type the way
//! Terraform does (numbers and bools to strings, numeric strings to numbers, lists to sets).

use std::collections::{BTreeMap, BTreeSet};

use hcl::edit::expr::{Expression, ObjectKey};
use snapform_core::schema::{ArgumentSchema, AttrType};
use snapform_core::{Diagnostic, Span, Value};

use crate::model::VarType;

/// Reads a type expression such as `map(string)`, the legacy quoted `"string"`, or the legacy
/// bare `list` and `map`. The error says what is wrong in a sentence.
pub(crate) fn parse_type(expr: &Expression) -> Result<VarType, String> {
    match expr {
        Expression::Variable(ident) => match ident.value().as_str() {
            "any" => Ok(VarType::Any),
            "string" => Ok(VarType::String),
            "number" => Ok(VarType::Number),
            "bool" => Ok(VarType::Bool),
            "list" => Ok(VarType::List(Box::new(VarType::Any))),
            "map" => Ok(VarType::Map(Box::new(VarType::Any))),
            "set" => Ok(VarType::Set(Box::new(VarType::Any))),
            other => Err(format!("unknown type `{other}`")),
        },
        Expression::String(text) => match text.value().as_str() {
            "string" => Ok(VarType::String),
            "list" => Ok(VarType::List(Box::new(VarType::String))),
            "map" => Ok(VarType::Map(Box::new(VarType::String))),
            other => Err(format!(
                "unknown type {other:?}; write types without quotes"
            )),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.value().as_str();
            let arg = match (call.args.len(), call.args.get(0)) {
                (1, Some(arg)) => arg,
                _ => return Err(format!("`{name}(...)` takes exactly one type")),
            };
            match name {
                "list" => Ok(VarType::List(Box::new(parse_type(arg)?))),
                "set" => Ok(VarType::Set(Box::new(parse_type(arg)?))),
                "map" => Ok(VarType::Map(Box::new(parse_type(arg)?))),
                "object" => {
                    let Expression::Object(object) = arg else {
                        return Err("`object(...)` takes `{ name = type, ... }`".to_owned());
                    };
                    let mut fields = BTreeMap::new();
                    for (key, value) in object.iter() {
                        let key = match key {
                            ObjectKey::Ident(ident) => ident.value().as_str().to_owned(),
                            ObjectKey::Expression(Expression::String(text)) => text.value().clone(),
                            ObjectKey::Expression(_) => {
                                return Err("object attribute names must be names".to_owned());
                            }
                        };
                        fields.insert(key, parse_type(value.expr())?);
                    }
                    Ok(VarType::Object(fields))
                }
                other => Err(format!("unknown type constructor `{other}`")),
            }
        }
        _ => Err(
            "expected a type such as string, number, bool, list(string) or map(string)".to_owned(),
        ),
    }
}

/// Converts `value` to `ty`, or says why it cannot.
pub(crate) fn convert(value: Value, ty: &VarType) -> Result<Value, String> {
    match (ty, value) {
        (_, Value::Unknown) => Ok(Value::Unknown),
        (_, Value::Null) => Ok(Value::Null),
        (VarType::Any, value) => Ok(value),
        (VarType::String, value) => match value.to_template_string() {
            Some(text) => Ok(Value::String(text)),
            None => Err(format!("a string is required, got a {}", value.type_name())),
        },
        (VarType::Number, value) => match value.to_number() {
            Some(number) => Ok(Value::Number(number)),
            None => Err(format!("a number is required, got {}", describe(&value))),
        },
        (VarType::Bool, Value::Bool(flag)) => Ok(Value::Bool(flag)),
        (VarType::Bool, Value::String(text)) if text == "true" || text == "false" => {
            Ok(Value::Bool(text == "true"))
        }
        (VarType::Bool, value) => Err(format!("a bool is required, got {}", describe(&value))),
        (VarType::List(inner), Value::List(items) | Value::Set(items)) => {
            convert_items(items, inner).map(Value::List)
        }
        (VarType::Set(inner), Value::List(items) | Value::Set(items)) => {
            convert_items(items, inner).map(Value::set)
        }
        (VarType::Map(inner), Value::Map(entries)) => {
            let mut res = BTreeMap::new();
            for (key, value) in entries {
                let converted =
                    convert(value, inner).map_err(|why| format!("element {key:?}: {why}"))?;
                res.insert(key, converted);
            }
            Ok(Value::Map(res))
        }
        (VarType::Object(fields), Value::Map(mut entries)) => {
            let mut res = BTreeMap::new();
            for (name, field_ty) in fields {
                let value = entries
                    .remove(name)
                    .ok_or_else(|| format!("attribute {name:?} is required"))?;
                res.insert(
                    name.clone(),
                    convert(value, field_ty).map_err(|why| format!("attribute {name:?}: {why}"))?,
                );
            }
            Ok(Value::Map(res))
        }
        (ty, value) => Err(format!("a {ty} is required, got a {}", value.type_name())),
    }
}

fn convert_items(items: Vec<Value>, inner: &VarType) -> Result<Vec<Value>, String> {
    items
        .into_iter()
        .enumerate()
        .map(|(idx, item)| convert(item, inner).map_err(|why| format!("element {idx}: {why}")))
        .collect()
}

/// Checks and converts a value for the argument `arg`; reports problems at `span` into
/// `diagnostics`. `instance` names the resource instance in labels when the resource has
/// several.
pub(crate) fn check_argument(
    arg: &ArgumentSchema,
    value: Value,
    span: Span,
    instance: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Value> {
    let (name, ty) = (arg.name, arg.ty);
    let label = instance
        .map(|addr| format!("in {addr}"))
        .unwrap_or_default();
    let mismatch = |diagnostics: &mut Vec<Diagnostic>, got: &Value| {
        diagnostics.push(
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
                mismatch(diagnostics, &value);
                return None;
            }
        },
        (AttrType::Number, value) => match value.to_number() {
            Some(number) => Value::Number(number),
            None => {
                mismatch(diagnostics, &value);
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
                            diagnostics.push(
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
                        diagnostics.push(
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
                            diagnostics.push(
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
            mismatch(diagnostics, &other);
            return None;
        }
    };
    let mut ok = true;
    for constraint in arg.constraints {
        if let Err(violation) = constraint.check(name, &converted) {
            diagnostics.push(violation_diagnostic(violation, span, &label));
            ok = false;
        }
    }
    if let Value::List(items) | Value::Set(items) = &converted {
        for item in items {
            for constraint in arg.item_constraints {
                if let Err(violation) = constraint.check(name, item) {
                    diagnostics.push(violation_diagnostic(violation, span, &label));
                    ok = false;
                }
            }
        }
    }
    ok.then_some(converted)
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
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => value.to_string(),
        Value::Unknown => "a value known only after apply".to_owned(),
        other => format!("a {}", other.type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> Result<VarType, String> {
        parse_type(&hcl::edit::parser::parse_expr(text).expect("valid expression"))
    }

    #[test]
    fn types_parse_and_convert() {
        assert_eq!(
            ty("map(string)").map(|t| t.to_string()),
            Ok("map(string)".to_owned())
        );
        assert_eq!(
            ty("\"list\"").map(|t| t.to_string()),
            Ok("list(string)".to_owned())
        );
        assert_eq!(
            ty("object({ a = number })").map(|t| t.to_string()),
            Ok("object({a = number})".to_owned())
        );
        assert!(ty("strin").is_err());
        assert_eq!(
            convert(Value::string("5"), &VarType::Number),
            Ok(Value::Number(5.0))
        );
        assert_eq!(
            convert(Value::Number(5.0), &VarType::String),
            Ok(Value::string("5"))
        );
        assert!(convert(Value::string("x"), &VarType::Number).is_err());
        let set = convert(
            Value::List(vec![Value::string("b"), Value::string("a")]),
            &VarType::Set(Box::new(VarType::String)),
        );
        assert_eq!(
            set,
            Ok(Value::Set(vec![Value::string("a"), Value::string("b")]))
        );
    }
}
