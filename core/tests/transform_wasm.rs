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

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

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
fn identity_lines() -> Result<String, Box<dyn std::error::Error>> {
    let inputs = [
        (
            "csv",
            Table::from_csv(TRAIN_CSV, &CsvOptions::default())?,
            Table::from_csv(TEST_CSV, &CsvOptions::default())?,
        ),
        (
            "jsonl",
            Table::from_jsonl(TRAIN_JSONL, &JsonlOptions::default())?,
            Table::from_jsonl(TEST_JSONL, &JsonlOptions::default())?,
        ),
    ];
    let mut out = String::new();
    for (name, text) in CASES {
        let case: serde_json::Value = serde_json::from_str(text)?;
        let spec = PipelineSpec::from_json(&case["spec"].to_string())?;
        for (format, train, test) in &inputs {
            let fitted = transform::fit(&spec, train)?;
            let on_train = transform::apply(&fitted, train)?;
            let on_test = transform::apply(&fitted, test)?;
            out.push_str(&format!(
                "{name} {format} {} {} {}\n",
                fitted.fingerprint(),
                on_train.sha256_hex(),
                on_test.sha256_hex()
            ));
        }
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn native_output_bytes_match_the_committed_hashes() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/transforms/identity.sha256");
    let lines = identity_lines().unwrap();
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
    assert_eq!(identity_lines().unwrap(), COMMITTED);
}

/// With the `parquet` feature, the same data read from Parquet gives the hashes the
/// committed file lists for CSV (on both targets):
///     cargo test -p lockstep-core --features parquet --test transform_wasm
///     CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
///         cargo test -p lockstep-core --features parquet --target wasm32-unknown-unknown --test transform_wasm
#[cfg(feature = "parquet")]
fn parquet_matches_csv_lines() -> Result<(), Box<dyn std::error::Error>> {
    const TRAIN_PARQUET: &[u8] = include_bytes!("../../tests/data/transforms/train.parquet");
    const TEST_PARQUET: &[u8] = include_bytes!("../../tests/data/transforms/test.parquet");
    const COMMITTED: &str = include_str!("../../tests/data/transforms/identity.sha256");
    let train = Table::from_parquet(TRAIN_PARQUET)?;
    let test = Table::from_parquet(TEST_PARQUET)?;
    for (name, text) in CASES {
        let case: serde_json::Value = serde_json::from_str(text)?;
        let spec = PipelineSpec::from_json(&case["spec"].to_string())?;
        let fitted = transform::fit(&spec, &train)?;
        let line = format!(
            "{name} csv {} {} {}",
            fitted.fingerprint(),
            transform::apply(&fitted, &train)?.sha256_hex(),
            transform::apply(&fitted, &test)?.sha256_hex()
        );
        if !COMMITTED.lines().any(|l| l == line) {
            return Err(format!("parquet input gave `{line}`, not the committed csv line").into());
        }
    }
    Ok(())
}

#[cfg(all(feature = "parquet", not(target_arch = "wasm32")))]
#[test]
fn native_parquet_input_matches_the_committed_hashes() {
    parquet_matches_csv_lines().unwrap();
}

#[cfg(all(feature = "parquet", target_arch = "wasm32"))]
#[wasm_bindgen_test::wasm_bindgen_test]
fn wasm_parquet_input_matches_the_committed_hashes() {
    parquet_matches_csv_lines().unwrap();
}
