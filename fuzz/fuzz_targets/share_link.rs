//! Share-link text → a notebook state: a state or a named error, never a panic. A
//! link that decodes re-encodes to a link of the same state, which encodes to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::share::{decode, encode};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let prefixed = format!("#s1.{text}");
    for candidate in [&*text, prefixed.as_str()] {
        if let Ok(state) = decode(candidate) {
            let link = encode(&state);
            assert_eq!(decode(&link).as_ref(), Ok(&state));
            assert_eq!(encode(&decode(&link).expect("decodes")), link);
        }
    }
});
