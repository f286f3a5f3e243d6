//! One recorded resource as `show` and `state show` print it: an HCL-like block with its ID.

use std::io::{self, Write};

use snapform_core::Value;
use snapform_state::ResourceRecord;

/// Writes `# ADDR:` and the resource block, attributes aligned, `id` among them.
pub fn write(out: &mut impl Write, record: &ResourceRecord) -> io::Result<()> {
    writeln!(out, "# {}:", record.addr)?;
    writeln!(out, "{}", super::plan::resource_header(&record.addr))?;
    let mut attributes = record.attributes.clone();
    attributes.insert("id".to_owned(), Value::String(record.id.clone()));
    let width = attributes.keys().map(String::len).max().unwrap_or(0);
    for (name, value) in &attributes {
        writeln!(out, "    {name:width$} = {value}")?;
    }
    writeln!(out, "}}")
}
