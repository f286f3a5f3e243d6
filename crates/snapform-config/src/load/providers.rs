//! Provider blocks: arguments checked against the provider schemas, aliases, credentials kept
//! as secrets.

use std::collections::BTreeMap;

use hcl::edit::expr::{Expression, TraversalOperator};
use snapform_core::schema::{provider_names, provider_schema};
use snapform_core::value::is_identifier;
use snapform_core::{Diagnostic, FileId, ProviderAddr, Secret, Value};

use super::Loader;
use super::decode::Decls;
use crate::eval::{self, Scope};
use crate::model::ProviderConfig;
use crate::suggest::did_you_mean;
use crate::summary::summarize;
use crate::types::{check_argument, describe};

impl Loader {
    pub(super) fn evaluate_providers<'s>(
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
            let scope = scope_for(decl.file).without_resources();
            let mut config = ProviderConfig {
                addr: ProviderAddr::default_for(schema.name),
                span: Some(decl.span),
                region: None,
                endpoint: None,
                rate_limit: None,
                ca_file: None,
                argument_spans: BTreeMap::new(),
                secrets: BTreeMap::new(),
                expressions: BTreeMap::new(),
            };
            for attr in &decl.attrs {
                let name = attr.name();
                if name == "alias" {
                    let alias = match eval::evaluate(attr.expr(), &scope).map(|v| v.unmark_deep().0)
                    {
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
                if !arg.sensitive {
                    config
                        .expressions
                        .insert(name.to_owned(), summarize(attr.expr()));
                }
                let value = match eval::evaluate(attr.expr(), &scope) {
                    // Provider settings are never shown; credentials are kept as secrets.
                    Ok(value) => value.unmark_deep().0,
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
                let Some(value) =
                    check_argument(arg, value, attr.value_span(), None, &mut self.diagnostics)
                else {
                    continue;
                };
                config
                    .argument_spans
                    .insert(name.to_owned(), attr.value_span());
                match (name, value) {
                    ("region", Value::String(text)) => config.region = Some(text),
                    ("ca_file", Value::String(text)) => config.ca_file = Some(text),
                    ("endpoint", Value::String(text)) => {
                        if !self.allow_insecure_http && is_insecure_http(&text) {
                            self.error(
                                "insecure-endpoint",
                                format!("`endpoint` {text:?} is plain http to an address that is not loopback"),
                                attr.value_span(),
                            )
                            .help = Some(
                                "signed requests and security tokens would cross the network in clear text: use https (plain http is accepted only for 127.0.0.1, ::1 and localhost, such as the emulator; a test rig can set SNAPFORM_ALLOW_INSECURE_HTTP=1)".to_owned(),
                            );
                        }
                        config.endpoint = Some(text);
                    }
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
}

/// `tencentcloud` or `tencentcloud.alias` written as a bare reference.
pub(super) fn provider_reference(expr: &Expression) -> Option<ProviderAddr> {
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

/// Whether `url` is plain http to a host that is not this machine.
fn is_insecure_http(url: &str) -> bool {
    let Some(rest) = url
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    !loopback
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_http_is_insecure_off_loopback() {
        for secure in [
            "https://10.0.0.1",
            "http://127.0.0.1:4566",
            "http://localhost/x",
            "http://[::1]:80",
            "HTTP://127.0.0.2",
        ] {
            assert!(!super::is_insecure_http(secure), "{secure}");
        }
        for insecure in [
            "http://10.0.0.1",
            "http://example.com:80/",
            "http://user@10.1.1.1",
        ] {
            assert!(super::is_insecure_http(insecure), "{insecure}");
        }
    }
}
