//! Decoding: splits each file's body into provider, variable, locals, resource, output,
//! snapform, import, moved and removed blocks, borrowing the syntax tree, and reports unknown
//! blocks and arguments.

use std::collections::BTreeMap;

use hcl::edit::structure::{Block, Body, Structure};
use snapform_core::schema::{ResourceSchema, resource_schema, resource_schemas};
use snapform_core::value::is_identifier;
use snapform_core::{Diagnostic, FileId, ResourceAddr, Span};

use super::{Attr, Loader};
use crate::eval::span_of;
use crate::suggest::did_you_mean;
use crate::syntax::ParsedFile;

pub(super) struct ProviderDecl<'b> {
    pub(super) file: FileId,
    pub(super) name: String,
    pub(super) span: Span,
    pub(super) name_span: Span,
    pub(super) attrs: Vec<Attr<'b>>,
}

pub(super) struct VariableDecl<'b> {
    pub(super) name: String,
    pub(super) span: Span,
    pub(super) ty: Option<Attr<'b>>,
    pub(super) default: Option<Attr<'b>>,
    pub(super) description: Option<Attr<'b>>,
    pub(super) sensitive: Option<Attr<'b>>,
    pub(super) validations: Vec<(Attr<'b>, Option<Attr<'b>>)>,
}

pub(super) struct ResourceDecl<'b> {
    pub(super) file: FileId,
    pub(super) addr: ResourceAddr,
    pub(super) schema: &'static ResourceSchema,
    pub(super) span: Span,
    pub(super) count: Option<Attr<'b>>,
    pub(super) for_each: Option<Attr<'b>>,
    pub(super) depends_on: Option<Attr<'b>>,
    pub(super) provider: Option<Attr<'b>>,
    pub(super) lifecycle: Vec<Attr<'b>>,
    pub(super) timeouts: Vec<Attr<'b>>,
    /// The `rotation` block's header and arguments, when there is one.
    pub(super) rotation: Option<(Span, Vec<Attr<'b>>)>,
    pub(super) arguments: Vec<Attr<'b>>,
}

pub(super) struct OutputDecl<'b> {
    pub(super) file: FileId,
    pub(super) name: String,
    pub(super) span: Span,
    pub(super) attrs: Vec<Attr<'b>>,
}

/// `import { to = ADDR  id = "..."  for_each = ... }` (Terraform 1.5, `for_each` from 1.7).
pub(super) struct ImportDecl<'b> {
    pub(super) file: FileId,
    pub(super) span: Span,
    pub(super) to: Attr<'b>,
    pub(super) id: Attr<'b>,
    pub(super) for_each: Option<Attr<'b>>,
}

/// `moved { from = ADDR  to = ADDR }` (Terraform 1.1).
pub(super) struct MovedDecl<'b> {
    pub(super) span: Span,
    pub(super) from: Attr<'b>,
    pub(super) to: Attr<'b>,
}

/// `removed { from = ADDR  lifecycle { destroy = false } }` (Terraform 1.7).
pub(super) struct RemovedDecl<'b> {
    pub(super) span: Span,
    pub(super) from: Attr<'b>,
    pub(super) lifecycle: Vec<Attr<'b>>,
}

pub(super) struct BackendDecl<'b> {
    pub(super) kind: String,
    pub(super) kind_span: Span,
    pub(super) attrs: Vec<Attr<'b>>,
}

#[derive(Default)]
pub(super) struct Decls<'b> {
    pub(super) providers: Vec<ProviderDecl<'b>>,
    pub(super) variables: Vec<VariableDecl<'b>>,
    pub(super) locals: Vec<Attr<'b>>,
    pub(super) resources: Vec<ResourceDecl<'b>>,
    pub(super) outputs: Vec<OutputDecl<'b>>,
    pub(super) backend: Option<BackendDecl<'b>>,
    pub(super) imports: Vec<ImportDecl<'b>>,
    pub(super) moves: Vec<MovedDecl<'b>>,
    pub(super) removed: Vec<RemovedDecl<'b>>,
}

/// The span of a block's header: its type and labels.
pub(super) fn header_span(file: FileId, block: &Block) -> Span {
    let start = span_of(file, &block.ident);
    block
        .labels
        .last()
        .map_or(start, |label| start.to(span_of(file, label)))
}

pub(super) fn label_text(block: &Block, idx: usize) -> Option<&str> {
    block.labels.get(idx).map(|label| label.as_str())
}

const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "count",
    "depends_on",
    "for_each",
    "lifecycle",
    "locals",
    "providers",
    "source",
    "version",
];

impl Loader {
    /// Checks a block has exactly `n_labels` labels, reporting `what` they are otherwise.
    pub(super) fn expect_labels(
        &mut self,
        file: FileId,
        block: &Block,
        n_labels: usize,
        what: &str,
    ) -> bool {
        if block.labels.len() == n_labels {
            return true;
        }
        let ident = block.ident.value().as_str();
        let message = match n_labels {
            0 => format!("a `{ident}` block takes no labels"),
            _ => format!("a `{ident}` block needs {what}"),
        };
        self.error("invalid-block-labels", message, header_span(file, block))
            .help = Some(format!("found {} label(s)", block.labels.len()));
        false
    }

    /// Splits a body into attributes and blocks, reporting blocks not in `allowed_blocks`.
    pub(super) fn body_parts<'b>(
        &mut self,
        file: FileId,
        body: &'b Body,
        allowed_blocks: &[&str],
        context: &str,
    ) -> (Vec<Attr<'b>>, Vec<&'b Block>) {
        let mut attrs = Vec::new();
        let mut blocks = Vec::new();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attr) => attrs.push(Attr { file, attr }),
                Structure::Block(block) => {
                    let ident = block.ident.value().as_str();
                    if allowed_blocks.contains(&ident) {
                        blocks.push(block);
                    } else {
                        let help = if allowed_blocks.is_empty() {
                            format!("{context} has no nested blocks")
                        } else {
                            format!("{context} allows only {}", quote_list(allowed_blocks))
                        };
                        self.error(
                            "unsupported-block",
                            format!("unsupported block `{ident}` in {context}"),
                            header_span(file, block),
                        )
                        .help = Some(help);
                    }
                }
            }
        }
        (attrs, blocks)
    }

    pub(super) fn decode<'b>(&mut self, files: &'b [ParsedFile]) -> Decls<'b> {
        let mut decls = Decls::default();
        for parsed in files {
            let file = parsed.file;
            for structure in parsed.body.iter() {
                let block = match structure {
                    Structure::Attribute(attr) => {
                        self.error(
                            "unexpected-attribute",
                            format!(
                                "unexpected attribute `{}` outside of any block",
                                attr.key.value().as_str()
                            ),
                            span_of(file, &attr.key),
                        )
                        .help = Some(
                            "attributes belong inside a block, such as `locals { ... }`".to_owned(),
                        );
                        continue;
                    }
                    Structure::Block(block) => block,
                };
                let span = header_span(file, block);
                match block.ident.value().as_str() {
                    "provider" => {
                        if !self.expect_labels(file, block, 1, "one label: the provider name") {
                            continue;
                        }
                        let (attrs, _) =
                            self.body_parts(file, &block.body, &[], "a provider block");
                        decls.providers.push(ProviderDecl {
                            file,
                            name: label_text(block, 0).unwrap_or_default().to_owned(),
                            span,
                            name_span: span_of(file, &block.labels[0]),
                            attrs,
                        });
                    }
                    "variable" => {
                        if !self.expect_labels(file, block, 1, "one label: the variable name") {
                            continue;
                        }
                        let name = label_text(block, 0).unwrap_or_default().to_owned();
                        if !is_identifier(&name) || RESERVED_VARIABLE_NAMES.contains(&name.as_str())
                        {
                            self.error(
                                "invalid-name",
                                format!("`{name}` cannot be a variable name"),
                                span_of(file, &block.labels[0]),
                            )
                            .help = Some(format!(
                                "names start with a letter or `_` and hold letters, digits, `_` and `-`; these are reserved: {}",
                                RESERVED_VARIABLE_NAMES.join(", ")
                            ));
                        }
                        let (attrs, blocks) =
                            self.body_parts(file, &block.body, &["validation"], "a variable block");
                        let mut decl = VariableDecl {
                            name,
                            span,
                            ty: None,
                            default: None,
                            description: None,
                            sensitive: None,
                            validations: Vec::new(),
                        };
                        for attr in attrs {
                            match attr.name() {
                                "type" => decl.ty = Some(attr),
                                "default" => decl.default = Some(attr),
                                "description" => decl.description = Some(attr),
                                "sensitive" => decl.sensitive = Some(attr),
                                "nullable" => {}
                                other => self.unsupported_argument(
                                    attr,
                                    other,
                                    &["type", "default", "description", "sensitive", "nullable"],
                                    "a variable block",
                                ),
                            }
                        }
                        for validation in blocks {
                            let (attrs, _) =
                                self.body_parts(file, &validation.body, &[], "a validation block");
                            let mut condition = None;
                            let mut message = None;
                            for attr in attrs {
                                match attr.name() {
                                    "condition" => condition = Some(attr),
                                    "error_message" => message = Some(attr),
                                    other => self.unsupported_argument(
                                        attr,
                                        other,
                                        &["condition", "error_message"],
                                        "a validation block",
                                    ),
                                }
                            }
                            match condition {
                                Some(condition) => decl.validations.push((condition, message)),
                                None => {
                                    self.error(
                                        "missing-argument",
                                        "a validation block needs `condition`",
                                        header_span(file, validation),
                                    );
                                }
                            }
                        }
                        decls.variables.push(decl);
                    }
                    "locals" => {
                        if !self.expect_labels(file, block, 0, "") {
                            continue;
                        }
                        let (attrs, _) = self.body_parts(file, &block.body, &[], "a locals block");
                        decls.locals.extend(attrs);
                    }
                    "resource" => {
                        if !self.expect_labels(
                            file,
                            block,
                            2,
                            "two labels: the resource type and a name",
                        ) {
                            continue;
                        }
                        if let Some(decl) = self.decode_resource(file, block, span) {
                            decls.resources.push(decl);
                        }
                    }
                    "output" => {
                        if !self.expect_labels(file, block, 1, "one label: the output name") {
                            continue;
                        }
                        let (attrs, _) = self.body_parts(file, &block.body, &[], "an output block");
                        decls.outputs.push(OutputDecl {
                            file,
                            name: label_text(block, 0).unwrap_or_default().to_owned(),
                            span,
                            attrs,
                        });
                    }
                    "snapform" => {
                        if !self.expect_labels(file, block, 0, "") {
                            continue;
                        }
                        let (attrs, blocks) =
                            self.body_parts(file, &block.body, &["backend"], "the snapform block");
                        for attr in attrs {
                            self.unsupported_argument(attr, attr.name(), &[], "the snapform block");
                        }
                        for backend in blocks {
                            if !self.expect_labels(
                                file,
                                backend,
                                1,
                                "one label: the backend type (local or pg)",
                            ) {
                                continue;
                            }
                            let backend_span = header_span(file, backend);
                            if let Some(first) = &decls.backend {
                                let first_span = first.kind_span;
                                self.push(
                                    Diagnostic::error(
                                        "duplicate-backend",
                                        "a configuration can have only one backend",
                                        backend_span,
                                    )
                                    .with_secondary(first_span, "first backend"),
                                );
                                continue;
                            }
                            let (attrs, _) =
                                self.body_parts(file, &backend.body, &[], "a backend block");
                            decls.backend = Some(BackendDecl {
                                kind: label_text(backend, 0).unwrap_or_default().to_owned(),
                                kind_span: span_of(file, &backend.labels[0]),
                                attrs,
                            });
                        }
                    }
                    "import" | "moved" | "removed" => {
                        if !self.expect_labels(file, block, 0, "") {
                            continue;
                        }
                        self.decode_refactoring(file, block, span, &mut decls);
                    }
                    other => {
                        let help = match other {
                            "data" => "data sources are not supported: snapform manages snapshot resources only".to_owned(),
                            "terraform" => "snapform's settings block is `snapform { backend \"local\" { ... } }`".to_owned(),
                            "module" => "modules are not supported; put every .hcl file in one directory".to_owned(),
                            _ => did_you_mean(
                                other,
                                ["provider", "resource", "variable", "locals", "output", "snapform", "import", "moved", "removed"].into_iter(),
                                "top-level blocks are provider, resource, variable, locals, output, snapform, import, moved and removed",
                            ),
                        };
                        self.error(
                            "unsupported-block",
                            format!("unsupported block type `{other}`"),
                            span,
                        )
                        .help = Some(help);
                    }
                }
            }
        }
        decls
    }

    /// Decodes an `import`, `moved` or `removed` block, reporting missing and unknown
    /// arguments.
    fn decode_refactoring<'b>(
        &mut self,
        file: FileId,
        block: &'b Block,
        span: Span,
        decls: &mut Decls<'b>,
    ) {
        let kind = block.ident.value().as_str();
        let (allowed_args, allowed_blocks, context): (&[&str], &[&str], &str) = match kind {
            "import" => (&["to", "id", "for_each"], &[], "an import block"),
            "moved" => (&["from", "to"], &[], "a moved block"),
            _ => (&["from"], &["lifecycle"], "a removed block"),
        };
        let (attrs, blocks) = self.body_parts(file, &block.body, allowed_blocks, context);
        let mut found: BTreeMap<&str, Attr<'b>> = BTreeMap::new();
        for attr in attrs {
            match allowed_args.iter().find(|name| **name == attr.name()) {
                Some(name) => {
                    found.insert(name, attr);
                }
                None => self.unsupported_argument(attr, attr.name(), allowed_args, context),
            }
        }
        let mut lifecycle = Vec::new();
        for nested in blocks {
            if self.expect_labels(file, nested, 0, "") {
                let (attrs, _) = self.body_parts(file, &nested.body, &[], "a lifecycle block");
                lifecycle.extend(attrs);
            }
        }
        let required: &[&str] = match kind {
            "import" => &["to", "id"],
            "moved" => &["from", "to"],
            _ => &["from"],
        };
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|name| !found.contains_key(name))
            .collect();
        if !missing.is_empty() {
            self.error(
                "missing-argument",
                format!("{context} needs {}", quote_list(&missing)),
                span,
            )
            .help = Some(match kind {
                "import" => "for example: import { to = tencentcloud_cbs_disk_backup.nightly  id = \"dbp-1a2b3c4d\" }".to_owned(),
                "moved" => "for example: moved { from = tencentcloud_cbs_disk_backup.old  to = tencentcloud_cbs_disk_backup.new }".to_owned(),
                _ => "for example: removed { from = tencentcloud_cbs_disk_backup.old  lifecycle { destroy = false } }".to_owned(),
            });
            return;
        }
        match kind {
            "import" => decls.imports.push(ImportDecl {
                file,
                span,
                to: found["to"],
                id: found["id"],
                for_each: found.get("for_each").copied(),
            }),
            "moved" => decls.moves.push(MovedDecl {
                span,
                from: found["from"],
                to: found["to"],
            }),
            _ => decls.removed.push(RemovedDecl {
                span,
                from: found["from"],
                lifecycle,
            }),
        }
    }

    pub(super) fn unsupported_argument(
        &mut self,
        attr: Attr<'_>,
        name: &str,
        allowed: &[&str],
        context: &str,
    ) {
        let help = if allowed.is_empty() {
            format!("{context} takes no arguments")
        } else {
            did_you_mean(
                name,
                allowed.iter().copied(),
                &format!("{context} takes {}", quote_list(allowed)),
            )
        };
        self.error(
            "unsupported-argument",
            format!("unsupported argument `{name}` in {context}"),
            attr.key_span(),
        )
        .help = Some(help);
    }

    pub(super) fn decode_resource<'b>(
        &mut self,
        file: FileId,
        block: &'b Block,
        span: Span,
    ) -> Option<ResourceDecl<'b>> {
        let type_name = label_text(block, 0).unwrap_or_default();
        let name = label_text(block, 1).unwrap_or_default();
        let type_span = span_of(file, &block.labels[0]);
        let Some(schema) = resource_schema(type_name) else {
            let types: Vec<&str> = resource_schemas()
                .iter()
                .map(|schema| schema.type_name)
                .collect();
            self.error(
                "unknown-resource-type",
                format!("unknown resource type `{type_name}`"),
                type_span,
            )
            .help = Some(did_you_mean(
                type_name,
                types.iter().copied(),
                &format!("snapform manages {}", types.join(", ")),
            ));
            return None;
        };
        if !is_identifier(name) {
            self.error(
                "invalid-name",
                format!("`{name}` is not a valid resource name"),
                span_of(file, &block.labels[1]),
            )
            .help = Some(
                "names start with a letter or `_` and hold letters, digits, `_` and `-`".to_owned(),
            );
            return None;
        }
        let (attrs, blocks) = self.body_parts(
            file,
            &block.body,
            &["lifecycle", "timeouts", "rotation"],
            "a resource block",
        );
        let mut decl = ResourceDecl {
            file,
            addr: ResourceAddr::new(type_name, name),
            schema,
            span,
            count: None,
            for_each: None,
            depends_on: None,
            provider: None,
            lifecycle: Vec::new(),
            timeouts: Vec::new(),
            rotation: None,
            arguments: Vec::new(),
        };
        for attr in attrs {
            match attr.name() {
                "count" => decl.count = Some(attr),
                "for_each" => decl.for_each = Some(attr),
                "depends_on" => decl.depends_on = Some(attr),
                "provider" => decl.provider = Some(attr),
                arg_name if schema.argument(arg_name).is_some() => decl.arguments.push(attr),
                arg_name => {
                    let mut allowed: Vec<&str> =
                        schema.arguments.iter().map(|arg| arg.name).collect();
                    let help = if schema.computed.iter().any(|attr| attr.name == arg_name)
                        || arg_name == "id"
                    {
                        format!("`{arg_name}` is computed by the cloud and cannot be set")
                    } else {
                        allowed.extend(["count", "for_each", "depends_on", "provider"]);
                        did_you_mean(
                            arg_name,
                            allowed.iter().copied(),
                            &format!(
                                "{type_name} takes {}",
                                quote_list(&allowed[..schema.arguments.len()])
                            ),
                        )
                    };
                    self.error(
                        "unsupported-argument",
                        format!("unsupported argument `{arg_name}` in {type_name}"),
                        attr.key_span(),
                    )
                    .help = Some(help);
                }
            }
        }
        if let (Some(count), Some(_)) = (decl.count, decl.for_each) {
            self.error(
                "count-and-for-each",
                "a resource cannot use both `count` and `for_each`",
                count.key_span(),
            )
            .help = Some("keep one of them".to_owned());
        }
        let mut seen_blocks: BTreeMap<&str, Span> = BTreeMap::new();
        for nested in blocks {
            let ident = nested.ident.value().as_str();
            let nested_span = header_span(file, nested);
            if let Some(first) = seen_blocks.insert(ident, nested_span) {
                self.push(
                    Diagnostic::error(
                        "duplicate-block",
                        format!("a resource can have only one `{ident}` block"),
                        nested_span,
                    )
                    .with_secondary(first, "first one"),
                );
                continue;
            }
            if !self.expect_labels(file, nested, 0, "") {
                continue;
            }
            let (attrs, _) = self.body_parts(file, &nested.body, &[], &format!("a {ident} block"));
            match ident {
                "lifecycle" => decl.lifecycle = attrs,
                "rotation" => decl.rotation = Some((nested_span, attrs)),
                _ => decl.timeouts = attrs,
            }
        }
        Some(decl)
    }
}

pub(super) fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}
