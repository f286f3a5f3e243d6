//! The formatter must never panic, and on valid HCL it must be idempotent and keep the file
//! valid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snapform_config::format::format_source;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let formatted = format_source(text);
    if hcl::edit::parser::parse_body(text).is_ok() && !text.contains('\r') {
        assert!(hcl::edit::parser::parse_body(&formatted).is_ok(), "fmt broke valid input");
        assert_eq!(format_source(&formatted), formatted, "fmt is not idempotent");
    }
});
