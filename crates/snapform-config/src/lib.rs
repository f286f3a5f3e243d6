//! snapform's configuration language: loads the `*.hcl` files of a directory into a typed
//! [`Config`] with spans, checks every rule of DESIGN §3 against the resource schemas, and
//! formats HCL files in `terraform fmt`'s canonical style.
//!
//! Loading never stops at the first problem: [`load_dir`] returns the configuration together
//! with every diagnostic, so `snapform validate` can report all of them in one run. This crate
//! reads files but never writes them and never prints; it knows nothing of state, plans or
//! clouds. The planner consumes its [`Config`].

mod duration;
mod eval;
pub mod format;
mod functions;
mod load;
pub mod model;
pub mod rotation;
pub mod suggest;
pub mod summary;
mod syntax;
mod types;

pub use duration::parse_duration;
pub use eval::ResourceValues;
pub use load::{LoadOptions, Loaded, SourceFile, VarArg, is_vars_file, load_dir, load_sources};
pub use model::{
    Backend, Config, Expansion, Import, Lifecycle, Move, Output, ProviderConfig, Removal, Resource,
    ResourceInstance, Timeouts, ValueSource, VarType, Variable,
};
pub use snapform_core::Secret;
pub use summary::ExpressionSummary;

/// Checks a file's syntax only, for `fmt`, which refuses to rewrite invalid files.
pub fn check_syntax(
    sources: &mut snapform_core::SourceMap,
    name: &str,
    text: &str,
) -> Result<(), Box<snapform_core::Diagnostic>> {
    let file = sources.add(name, text);
    syntax::parse(sources, file).map(|_| ())
}
