//! The plan file reader must never panic: every input is a plan or an error, and a plan it
//! reads is written again (with its sensitive values hidden) and reads back with the same
//! changes, lineage, serial and configuration hash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snapform_planner::planfile::{decode, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = decode("fuzz.tfplan", text) else {
        return;
    };
    let again = decode("fuzz.tfplan", &encode(&plan)).expect("a written plan reads back");
    assert_eq!(
        (&again.lineage, again.serial, &again.config_hash),
        (&plan.lineage, plan.serial, &plan.config_hash)
    );
    let addrs = |plan: &snapform_planner::Plan| -> Vec<String> {
        plan.changes
            .iter()
            .map(|change| format!("{:?}", change.addr))
            .collect()
    };
    assert_eq!(
        addrs(&again),
        addrs(&plan),
        "the changes moved through a write and a read"
    );
    // The prior state inside the plan is a state like any other, when its format is one this
    // build reads. (The plan reader checks the plan's format version, not the embedded state's:
    // a plan whose prior state claims a newer state format is read, and only its lineage and
    // serial are ever used.)
    if plan.prior_state.format_version <= snapform_state::statefile::FORMAT_VERSION {
        let state_text = snapform_state::statefile::encode(&plan.prior_state);
        snapform_state::statefile::decode(std::path::Path::new("prior"), &state_text)
            .expect("a plan's prior state is a readable state");
    }
});
