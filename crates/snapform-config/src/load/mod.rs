//! Loading a configuration: finds the files, parses them, decodes the blocks, resolves
//! variables, evaluates locals, providers, resources and outputs, and checks every rule of
//! DESIGN §3, collecting every problem as a diagnostic.

use std::path::{Path, PathBuf};

use hcl::edit::expr::Expression;
use hcl::edit::structure::Attribute;
use snapform_core::{Diagnostic, FileId, SourceMap, Span};

use crate::eval::span_of;
use crate::model::Config;
use crate::syntax;

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
    /// A provider `endpoint` may be plain http to an address that is not loopback (the
    /// `SNAPFORM_ALLOW_INSECURE_HTTP` opt-out for test rigs).
    pub allow_insecure_http: bool,
    /// The workspace the command runs in, `snapform.workspace` in expressions; `default` when
    /// `None`.
    pub workspace: Option<String>,
}

impl LoadOptions {
    /// The workspace name `snapform.workspace` evaluates to.
    pub fn workspace_name(&self) -> &str {
        self.workspace.as_deref().unwrap_or("default")
    }
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
        allow_insecure_http: options.allow_insecure_http,
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
    // Advice about lookups waits until the configuration is valid.
    if !snapform_core::diagnostic::has_errors(&loader.diagnostics) {
        loader.warn_on_ambiguous_lookups(&config.resources);
    }
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

pub(crate) struct Loader {
    diagnostics: Vec<Diagnostic>,
    /// See [`LoadOptions::allow_unset_variables`].
    allow_unset_variables: bool,
    /// See [`LoadOptions::allow_insecure_http`].
    allow_insecure_http: bool,
}

/// An attribute with the file it is in.
#[derive(Clone, Copy)]
pub(crate) struct Attr<'b> {
    file: FileId,
    attr: &'b Attribute,
}

impl<'b> Attr<'b> {
    pub(super) fn name(&self) -> &'b str {
        self.attr.key.value().as_str()
    }

    pub(super) fn expr(&self) -> &'b Expression {
        &self.attr.value
    }

    pub(super) fn key_span(&self) -> Span {
        span_of(self.file, &self.attr.key)
    }

    pub(super) fn value_span(&self) -> Span {
        span_of(self.file, &self.attr.value)
    }
}

impl Loader {
    pub(super) fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Span,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(code, message, span));
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub(super) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }
}

mod backend;
mod decode;
mod evaluate;
mod instances;
mod locals;
mod lookups;
mod outputs;
mod providers;
mod refactoring;
mod resolve;
mod resources;
mod rotation;
mod variables;
