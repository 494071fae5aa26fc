//! Byte identity of fit + apply between wasm32 and x86_64.
//!
//! Both targets fit and apply the committed fixture cases below (CSV and JSON Lines
//! input) and hash the results: the fitted pipeline's fingerprint and the sha256 of
//! the output matrix's little-endian f32 bytes. The native test writes those lines
//! to tests/data/transforms/identity.sha256 when `LOCKSTEP_UPDATE_FIXTURES=1` and
//! otherwise checks them against that file; the wasm32 test checks the same file.
//!
//! Native:
//!     cargo test -p lockstep-core --test transform_wasm
//! wasm32 under Node (wasm-bindgen-cli 0.2.130 on PATH as wasm-bindgen-test-runner):
//!     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!         cargo test -p lockstep-core --target wasm32-unknown-unknown --test transform_wasm

use lockstep_core::table::{CsvOptions, JsonlOptions, Table};
use lockstep_core::transform::{self, PipelineSpec};

const TRAIN_CSV: &[u8] = include_bytes!("../../tests/data/transforms/train.csv");
const TEST_CSV: &[u8] = include_bytes!("../../tests/data/transforms/test.csv");
const TRAIN_JSONL: &[u8] = include_bytes!("../../tests/data/transforms/train.jsonl");
const TEST_JSONL: &[u8] = include_bytes!("../../tests/data/transforms/test.jsonl");

macro_rules! cases {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../../tests/data/transforms/cases/", $name, ".json")))),*]
    };
}

/// Cases that together use every step kind.
const CASES: [(&str, &str); 12] = cases![
    "combined",
    "hash",
    "cross_hash",
    "bucketize_quantiles",
    "bucketize_boundaries",
    "log1p",
    "clip",
    "impute_mean",
    "impute_median",
    "impute_most_frequent",
    "ordinal",
    "one_hot_both_limits",
];

/// One line per case and input format: name, format, fingerprint, sha256 of the
/// train and test output bytes.
fn identity_lines() -> String {
    let csv = |b: &[u8]| Table::from_csv(b, &CsvOptions::default()).unwrap();
    let jsonl = |b: &[u8]| Table::from_jsonl(b, &JsonlOptions::default()).unwrap();
    let inputs = [
        ("csv", csv(TRAIN_CSV), csv(TEST_CSV)),
        ("jsonl", jsonl(TRAIN_JSONL), jsonl(TEST_JSONL)),
    ];
    let mut out = String::new();
    for (name, text) in CASES {
        let case: serde_json::Value = serde_json::from_str(text).unwrap();
        let spec = PipelineSpec::from_json(&case["spec"].to_string()).unwrap();
        for (format, train, test) in &inputs {
            let fitted = transform::fit(&spec, train).unwrap();
            let on_train = transform::apply(&fitted, train).unwrap();
            let on_test = transform::apply(&fitted, test).unwrap();
            out.push_str(&format!(
                "{name} {format} {} {} {}\n",
                fitted.fingerprint(),
                on_train.sha256_hex(),
                on_test.sha256_hex()
            ));
        }
    }
    out
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_output_bytes_match_the_committed_hashes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/transforms/identity.sha256");
    let lines = identity_lines();
    if std::env::var_os("LOCKSTEP_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &lines).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        lines,
        committed,
        "the transform output bytes changed; if that is intended, regenerate {} with LOCKSTEP_UPDATE_FIXTURES=1",
        path.display()
    );
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test::wasm_bindgen_test]
fn wasm_output_bytes_match_the_native_hashes() {
    const COMMITTED: &str = include_str!("../../tests/data/transforms/identity.sha256");
    assert_eq!(identity_lines(), COMMITTED);
}
