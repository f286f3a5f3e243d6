//! The vocabulary every snapform crate shares: source spans and diagnostics, configuration
//! values, resource addresses, and the schemas of the resource types snapform manages.
//!
//! This crate does no I/O, reads no clock and starts no task. It sits below everything else:
//! the configuration loader produces its types, the planner and apply engine consume them, and
//! the command line renders them.

pub mod addr;
pub mod diagnostic;
pub mod schema;
pub mod secret;
pub mod source;
pub mod time;
pub mod value;

pub use addr::{InstanceKey, ProviderAddr, ResourceAddr, ResourceInstanceAddr};
pub use diagnostic::{Diagnostic, Label, Severity};
pub use schema::{ArgumentSchema, AttrType, Constraint, Mutability, ResourceSchema};
pub use secret::Secret;
pub use source::{FileId, Location, SourceMap, Span};
pub use value::Value;
