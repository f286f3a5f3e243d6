//! Everything the user sees: diagnostics, plans and progress are rendered here and only here.

pub mod diagnostics;
