//! Fixtures shared by the targets (each target includes this file).
#![allow(dead_code)] // each target uses part of it

use lockstep_core::Table;
use lockstep_core::transform::FittedPipeline;

/// The served pipeline of the tests (tests/data/serving): its input schema types
/// logs and requests.
pub fn serving_pipeline() -> &'static FittedPipeline {
    static PIPELINE: std::sync::OnceLock<FittedPipeline> = std::sync::OnceLock::new();
    PIPELINE.get_or_init(|| {
        FittedPipeline::from_json(include_str!("../../tests/data/serving/pipeline.json"))
            .expect("tests/data/serving/pipeline.json is a fitted pipeline")
    })
}

/// Forty rows of the transform fixtures' test set (every column the serving
/// pipeline reads), to fit and apply fuzzed pipelines on.
pub fn small_table() -> &'static Table {
    static TABLE: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let text = include_str!("../../tests/data/transforms/test.csv");
        let head: String = text.lines().take(41).map(|l| format!("{l}\n")).collect();
        Table::from_csv(head.as_bytes(), &Default::default()).expect("test.csv reads")
    })
}

/// Lets a panic inside the Parquet decoder reach core's guard: core's Parquet readers
/// turn a panic raised in the `parquet` crate, or in the `arrow-*` crates it calls
/// (`arrow-buffer`'s bit iterators assert their bounds), into a named error
/// (`table::catch_decoder_panic`); libFuzzer's hook would abort at the panic before
/// that. Panics anywhere else still abort.
pub fn let_decoder_panics_reach_the_guard() {
    let fuzzer_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_decoder = info.location().is_some_and(|l| {
            let file = l.file();
            file.contains("/parquet-") || file.contains("/arrow-")
        });
        if !in_decoder {
            fuzzer_hook(info);
        }
    }));
}
