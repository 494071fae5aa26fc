//! Evaluation settings text (TOML, or JSON when it starts with `{`) → `EvalConfig`:
//! a config or an error naming the field, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::report::{EvalConfig, Predictions, SettingsFormat};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let format = SettingsFormat::guess(text);
    let _ = EvalConfig::from_settings(text, format, "label", None);
    let score = Predictions::Score("score".to_owned());
    let _ = EvalConfig::from_settings(text, format, "label", Some(&score));
});
