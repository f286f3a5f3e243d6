//! The loader must never panic: every input, valid or not, gives a model and diagnostics, and
//! every diagnostic's span lies inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snapform_config::{LoadOptions, SourceFile, load_sources};
use snapform_core::SourceMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sources = SourceMap::new();
    let file = SourceFile { name: "fuzz.hcl".to_owned(), text: text.to_owned() };
    let loaded = load_sources(vec![file], Vec::new(), &LoadOptions::default(), &mut sources);
    for diagnostic in &loaded.diagnostics {
        if let Some(label) = &diagnostic.primary {
            assert!(label.span.start <= label.span.end);
            assert!(label.span.end as usize <= text.len());
            let _ = sources.location(label.span.file, label.span.start);
        }
    }
});
