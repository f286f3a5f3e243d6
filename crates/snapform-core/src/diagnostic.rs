//! Problems found in the user's input, as plain data; renderers live in the command line.

use crate::source::Span;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration cannot be used as it is.
    Error,
    /// Worth a look, but nothing stops.
    Warning,
}

/// A span with the text shown under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where the label points.
    pub span: Span,
    /// Shown beside the underline; may be empty.
    pub message: String,
}

/// One problem, with a stable code that tools can match on.
///
/// A diagnostic without a primary label is about the configuration as a whole (for example a
/// directory with no `.hcl` file).
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable, kebab-case identifier of the rule (for example `value-too-long`).
    pub code: &'static str,
    /// One lowercase sentence without a trailing period.
    pub message: String,
    /// The main place the problem is at.
    pub primary: Option<Label>,
    /// Other places that explain it (for example the first declaration of a duplicate).
    pub secondary: Vec<Label>,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error about `span`.
    pub fn error(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: Some(Label {
                span,
                message: String::new(),
            }),
            secondary: Vec::new(),
            help: None,
        }
    }

    /// A warning about `span`.
    pub fn warning(code: &'static str, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    /// An error that points at no particular place.
    pub fn global_error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Adds the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the text under the primary span.
    pub fn with_label(mut self, message: impl Into<String>) -> Diagnostic {
        if let Some(primary) = &mut self.primary {
            primary.message = message.into();
        }
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether this diagnostic stops the command.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether any of `diagnostics` is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}
