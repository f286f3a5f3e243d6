//! The emulator's request handling must never panic: any request (signed with the default keys
//! or not, for either cloud's API or the control API) gets an answer. See
//! `snapform_emulator::fuzz::request` for how the input is read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = snapform_emulator::fuzz::request(data);
});
