//! One recorded resource as `show` and `state show` print it: an HCL-like block with its ID.

use std::io::{self, Write};

use snapform_core::Value;
use snapform_state::ResourceRecord;

/// Writes `# ADDR:` and the resource block, attributes aligned, `id` among them; sensitive
/// attributes print as `(sensitive value)`.
pub fn write(out: &mut impl Write, record: &ResourceRecord) -> io::Result<()> {
    let tainted = if record.status == snapform_state::RecordStatus::Tainted {
        " (tainted)"
    } else {
        ""
    };
    writeln!(out, "# {}:{tainted}", record.addr)?;
    writeln!(out, "{}", super::plan::resource_header(&record.addr))?;
    let mut attributes = record.attributes.clone();
    attributes.insert("id".to_owned(), Value::String(record.id.clone()));
    let width = attributes.keys().map(String::len).max().unwrap_or(0);
    for (name, value) in &attributes {
        if record.sensitive_attributes.contains(name) {
            writeln!(out, "    {name:width$} = (sensitive value)")?;
        } else {
            writeln!(out, "    {name:width$} = {value}")?;
        }
    }
    writeln!(out, "}}")
}
