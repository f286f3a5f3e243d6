//! The journal reader must never panic and never misread: every input gives intact records
//! (and at most a dropped torn end) or an error. The bytes before `valid_len` read as the same
//! records on their own, re-encoded records read back, and replaying them never panics.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use snapform_state::journal::{decode, encode_record, frame, replay};
use snapform_state::State;

fuzz_target!(|data: &[u8]| {
    // The first byte chooses: the rest as journal bytes (torn and damaged records), or as
    // payloads separated by newlines, each framed with a valid checksum, so that the record
    // reader and replay see arbitrary JSON that random bytes would never get past the CRC.
    let Some((&mode, rest)) = data.split_first() else { return };
    let bytes: Vec<u8> = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        rest.split(|byte| *byte == b'\n').flat_map(frame).collect()
    };
    check(&bytes);
});

fn check(data: &[u8]) {
    let path = Path::new("snapform.tfstate.journal");
    let Ok(journal) = decode(path, data) else { return };
    let valid_len = usize::try_from(journal.valid_len).expect("within the input");
    assert!(valid_len <= data.len());
    assert_eq!(journal.torn, valid_len < data.len());
    let encoded: Vec<u8> = journal.records.iter().flat_map(encode_record).collect();
    let kept = decode(path, &data[..valid_len]).expect("the kept prefix reads again");
    assert_eq!(kept.records, journal.records);
    assert!(!kept.torn);
    // Compared by serial: numbers in attributes may move by one ulp through JSON (see the
    // statefile target).
    let reread = decode(path, &encoded).expect("re-encoded records read back");
    let serials = |records: &[snapform_state::StateDelta]| -> Vec<u64> {
        records.iter().map(|record| record.serial).collect()
    };
    assert_eq!(serials(&reread.records), serials(&journal.records));
    if let Some(first) = journal.records.first() {
        let mut state = State::new();
        state.lineage = first.lineage.clone();
        state.serial = first.serial.saturating_sub(1);
        let _ = replay(path, &journal, &mut state);
    }
}
