//! Loading a configuration: finds the files, parses them, decodes the blocks, resolves
//! variables, evaluates locals, providers, resources and outputs, and checks every rule of
//! DESIGN §3, collecting every problem as a diagnostic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::edit::expr::{Expression, TraversalOperator};
use hcl::edit::structure::{Attribute, Block, Body, Structure};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use snapform_core::schema::{
    AttrType, ResourceSchema, provider_names, provider_schema, resource_schema, resource_schemas,
};
use snapform_core::value::is_identifier;
use snapform_core::{
    Diagnostic, FileId, InstanceKey, ProviderAddr, ResourceAddr, Secret, SourceMap, Span, Value,
};

use crate::duration::parse_duration;
use crate::eval::{self, RefShape, Reference, ResourceTable, Scope, span_of};
use crate::model::{
    Backend, Config, Expansion, Lifecycle, Output, ProviderConfig, Resource, ResourceInstance,
    Timeouts, ValueSource, VarType, Variable,
};
use crate::suggest::did_you_mean;
use crate::syntax::{self, ParsedFile};
use crate::types;

/// A `-var` or `-var-file` option, in the order given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VarArg {
    /// `-var name=value`.
    Var {
        /// The variable name.
        name: String,
        /// The raw text after `=`.
        value: String,
    },
    /// `-var-file=FILE`.
    File(PathBuf),
}

/// Values for variables from outside the configuration files.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-var` and `-var-file` options, in command-line order (later wins).
    pub var_args: Vec<VarArg>,
    /// `SNAPFORM_VAR_name` environment variables, as (name, raw value).
    pub env_vars: Vec<(String, String)>,
    /// For `validate`: a required variable without a value is unknown rather than an error, and
    /// a `count` or `for_each` that is unknown only because of such variables checks one
    /// placeholder instance.
    pub allow_unset_variables: bool,
}

/// The result of loading: the configuration, as complete as the problems allow, and every
/// problem found.
#[derive(Debug)]
pub struct Loaded {
    /// The configuration. When `diagnostics` has errors it may be incomplete.
    pub config: Config,
    /// Every problem, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

/// A file given to the loader by name and text.
pub struct SourceFile {
    /// The name diagnostics show, usually `DIR/main.hcl`.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// Whether `name` is a variable-definitions file rather than configuration.
pub fn is_vars_file(name: &str) -> bool {
    name.ends_with(".vars.hcl")
}

/// Loads every `*.hcl` file of `dir` in name order, with `*.auto.vars.hcl` files as variable
/// values. `display_dir` prefixes file names in diagnostics (empty for the working directory).
pub fn load_dir(dir: &Path, options: &LoadOptions, sources: &mut SourceMap) -> Loaded {
    let display_dir = if dir == Path::new(".") || dir.as_os_str().is_empty() {
        String::new()
    } else {
        format!("{}/", dir.display().to_string().trim_end_matches('/'))
    };
    let mut config_files = Vec::new();
    let mut auto_files = Vec::new();
    let mut diagnostics = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
                .filter_map(|entry| entry.file_name().into_string().ok())
                .filter(|name| name.ends_with(".hcl") && !name.starts_with('.'))
                .collect();
            names.sort();
            for name in names {
                let path = dir.join(&name);
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        let file = SourceFile {
                            name: format!("{display_dir}{name}"),
                            text,
                        };
                        if name.ends_with(".auto.vars.hcl") {
                            auto_files.push(file);
                        } else if !is_vars_file(&name) {
                            config_files.push(file);
                        }
                    }
                    Err(error) => diagnostics.push(Diagnostic::global_error(
                        "unreadable-file",
                        format!("cannot read {}: {error}", path.display()),
                    )),
                }
            }
        }
        Err(error) => diagnostics.push(Diagnostic::global_error(
            "unreadable-directory",
            format!("cannot read the directory {}: {error}", dir.display()),
        )),
    }
    if config_files.is_empty() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::global_error(
                "no-configuration",
                format!("no configuration files (*.hcl) in {}", dir.display()),
            )
            .with_help(
                "run snapform in the directory that holds your .hcl files, or pass -chdir=DIR",
            ),
        );
    }
    let mut loaded = load_sources(config_files, auto_files, options, sources);
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    loaded
}

/// Loads configuration files given by name and text; `auto_var_files` hold variable values.
pub fn load_sources(
    config_files: Vec<SourceFile>,
    auto_var_files: Vec<SourceFile>,
    options: &LoadOptions,
    sources: &mut SourceMap,
) -> Loaded {
    let mut loader = Loader {
        diagnostics: Vec::new(),
        allow_unset_variables: options.allow_unset_variables,
    };
    let mut parsed = Vec::new();
    for source in config_files {
        let file = sources.add(source.name, source.text);
        match syntax::parse(sources, file) {
            Ok(file) => parsed.push(file),
            Err(diagnostic) => loader.diagnostics.push(*diagnostic),
        }
    }
    let auto_ids: Vec<FileId> = auto_var_files
        .into_iter()
        .map(|source| sources.add(source.name, source.text))
        .collect();
    let decls = loader.decode(&parsed);
    let config = loader.evaluate(&decls, &auto_ids, options, sources);
    let mut diagnostics = loader.diagnostics;
    diagnostics.sort_by_key(|diagnostic| {
        diagnostic
            .primary
            .as_ref()
            .map(|label| (label.span.file, label.span.start, label.span.end))
    });
    Loaded {
        config,
        diagnostics,
    }
}

struct Loader {
    diagnostics: Vec<Diagnostic>,
    /// See [`LoadOptions::allow_unset_variables`].
    allow_unset_variables: bool,
}

/// An attribute with the file it is in.
#[derive(Clone, Copy)]
struct Attr<'b> {
    file: FileId,
    attr: &'b Attribute,
}

impl<'b> Attr<'b> {
    fn name(&self) -> &'b str {
        self.attr.key.value().as_str()
    }

    fn expr(&self) -> &'b Expression {
        &self.attr.value
    }

    fn key_span(&self) -> Span {
        span_of(self.file, &self.attr.key)
    }

    fn value_span(&self) -> Span {
        span_of(self.file, &self.attr.value)
    }
}

struct ProviderDecl<'b> {
    file: FileId,
    name: String,
    span: Span,
    name_span: Span,
    attrs: Vec<Attr<'b>>,
}

struct VariableDecl<'b> {
    name: String,
    span: Span,
    ty: Option<Attr<'b>>,
    default: Option<Attr<'b>>,
    description: Option<Attr<'b>>,
    sensitive: Option<Attr<'b>>,
    validations: Vec<(Attr<'b>, Option<Attr<'b>>)>,
}

struct ResourceDecl<'b> {
    file: FileId,
    addr: ResourceAddr,
    schema: &'static ResourceSchema,
    span: Span,
    count: Option<Attr<'b>>,
    for_each: Option<Attr<'b>>,
    depends_on: Option<Attr<'b>>,
    provider: Option<Attr<'b>>,
    lifecycle: Vec<Attr<'b>>,
    timeouts: Vec<Attr<'b>>,
    arguments: Vec<Attr<'b>>,
}

struct OutputDecl<'b> {
    file: FileId,
    name: String,
    span: Span,
    attrs: Vec<Attr<'b>>,
}

struct BackendDecl<'b> {
    kind: String,
    kind_span: Span,
    attrs: Vec<Attr<'b>>,
}

#[derive(Default)]
struct Decls<'b> {
    providers: Vec<ProviderDecl<'b>>,
    variables: Vec<VariableDecl<'b>>,
    locals: Vec<Attr<'b>>,
    resources: Vec<ResourceDecl<'b>>,
    outputs: Vec<OutputDecl<'b>>,
    backend: Option<BackendDecl<'b>>,
}

/// The span of a block's header: its type and labels.
fn header_span(file: FileId, block: &Block) -> Span {
    let start = span_of(file, &block.ident);
    block
        .labels
        .last()
        .map_or(start, |label| start.to(span_of(file, label)))
}

fn label_text(block: &Block, idx: usize) -> Option<&str> {
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
    fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(code, message, span));
        self.diagnostics.last_mut().expect("just pushed")
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Checks a block has exactly `n_labels` labels, reporting `what` they are otherwise.
    fn expect_labels(&mut self, file: FileId, block: &Block, n_labels: usize, what: &str) -> bool {
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
    fn body_parts<'b>(
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

    fn decode<'b>(&mut self, files: &'b [ParsedFile]) -> Decls<'b> {
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
                    other => {
                        let help = match other {
                            "data" => "data sources are not supported: snapform manages snapshot resources only".to_owned(),
                            "terraform" => "snapform's settings block is `snapform { backend \"local\" { ... } }`".to_owned(),
                            "module" => "modules are not supported; put every .hcl file in one directory".to_owned(),
                            _ => did_you_mean(
                                other,
                                ["provider", "resource", "variable", "locals", "output", "snapform"].into_iter(),
                                "top-level blocks are provider, resource, variable, locals, output and snapform",
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

    fn unsupported_argument(
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

    fn decode_resource<'b>(
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
            &["lifecycle", "timeouts"],
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
            if ident == "lifecycle" {
                decl.lifecycle = attrs;
            } else {
                decl.timeouts = attrs;
            }
        }
        Some(decl)
    }
}

fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    quoted.join(", ")
}

mod evaluate;
mod resolve;
