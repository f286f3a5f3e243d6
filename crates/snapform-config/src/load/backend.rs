//! The `snapform { backend "..." { ... } }` settings.

use std::collections::BTreeMap;

use snapform_core::Secret;

use super::Loader;
use super::decode::Decls;
use crate::model::Backend;

impl Loader {
    pub(super) fn evaluate_backend(&mut self, decls: &Decls<'_>) -> Backend {
        let Some(decl) = &decls.backend else {
            return Backend::default();
        };
        let mut strings: BTreeMap<&str, String> = BTreeMap::new();
        let allowed: &[&str] = match decl.kind.as_str() {
            "local" => &["path"],
            "pg" => &["conn_str", "schema_name", "ca_file"],
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
                if decl.kind == "pg" && attr.name() == "schema_name" && !is_schema_name(&text) {
                    self.error(
                        "invalid-schema-name",
                        format!("`{text}` is not a valid schema_name"),
                        attr.value_span(),
                    )
                    .help = Some(
                        "use up to 63 ASCII letters, digits and `_`, starting with a letter or `_` (a name PostgreSQL needs no quotes for)"
                            .to_owned(),
                    );
                    continue;
                }
                strings.insert(attr.name(), text);
            }
        }
        match decl.kind.as_str() {
            "pg" => Backend::Pg {
                conn_str: strings.remove("conn_str").map(Secret::new),
                schema_name: strings
                    .remove("schema_name")
                    .unwrap_or_else(|| "snapform_remote_state".to_owned()),
                ca_file: strings.remove("ca_file"),
            },
            _ => Backend::Local {
                path: strings
                    .remove("path")
                    .unwrap_or_else(|| "snapform.tfstate".to_owned()),
            },
        }
    }
}

/// A schema name the pg backend accepts: what PostgreSQL reads without quotes, within its
/// 63-byte limit. snapform-state checks the same rule for values from outside the files.
fn is_schema_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    name.len() <= 63
        && bytes
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == b'_')
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
}
