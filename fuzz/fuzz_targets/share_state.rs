//! Any notebook state (read from JSON) → a link → the same state: the codec's round
//! trip on states the fuzzer makes up, and the same link for the same state.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::share::{LinkBudget, MAX_JSON_BYTES, NotebookState, decode, encode};

fuzz_target!(|data: &[u8]| {
    let Ok(state) = serde_json::from_slice::<NotebookState>(data) else {
        return;
    };
    let json = lockstep_core::share::canonical::to_canonical_json(&state);
    let link = encode(&state);
    if json.len() > MAX_JSON_BYTES || LinkBudget::of(&link) == LinkBudget::TooLarge {
        assert!(decode(&link).is_err());
        return;
    }
    // Non-finite numbers cannot come from JSON, so every state round-trips.
    let decoded = decode(&link).expect("an encoded state decodes");
    assert_eq!(decoded, state);
    assert_eq!(encode(&decoded), link);
});
