//! The state file reader must never panic: every input is a state or an error, and a state it
//! reads is written back to a file it reads again, with the same records. (Attribute numbers
//! are compared only through the records' identity: serde_json parses floats to the nearest
//! value only with its `float_roundtrip` feature, which the workspace does not enable.)
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use snapform_state::statefile::{decode, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("snapform.tfstate");
    let Ok(state) = decode(path, text) else { return };
    let again = decode(path, &encode(&state)).expect("a written state reads back");
    assert_eq!((&again.lineage, again.serial), (&state.lineage, state.serial));
    let ids = |state: &snapform_state::State| -> Vec<(String, String)> {
        state.resources.iter().map(|record| (record.addr.to_string(), record.id.clone())).collect()
    };
    assert_eq!(ids(&again), ids(&state), "the records changed through a write and a read");
    assert_eq!(again.pending.len(), state.pending.len());
    assert_eq!(again.deposed.len(), state.deposed.len());
});
