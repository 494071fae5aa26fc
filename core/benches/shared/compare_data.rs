//! The champion-vs-challenger benchmark's rows and work, shared by the native bench
//! (`benches/compare.rs`) and the wasm32 one (`tests/compare_wasm.rs`), so both time the
//! same computation: `lockstep_core::compare::compare`, the path `lockstep compare` takes.
//!
//! Rows: those of `eval_data.rs` (labels and the champion's score) plus a challenger
//! score `0.5·s + 0.5·w`, `w` from a second SplitMix64 stream (seed + 1): only `*`, `+`
//! and `<` on doubles, so numpy makes bit-identical rows
//! (`scripts/bench/compare_sklearn.py`).

use lockstep_core::compare::types::{ComparisonReport, ModelSide};
use lockstep_core::compare::{CompareConfig, SidePredictions, compare};
use lockstep_core::metrics::bootstrap::SplitMix64;
use lockstep_core::report::Predictions;
use lockstep_core::report::types::PredictionKind;
use lockstep_core::table::{Column, ColumnData, Table};

use super::eval_data;

/// `rows` rows: `label`, `champion` and `challenger` columns.
pub fn table(rows: usize) -> Table {
    let (labels, champion) = eval_data::data(rows);
    let mut rng = SplitMix64::new(eval_data::SEED + 1);
    let challenger: Vec<f64> = champion
        .iter()
        .map(|&s| 0.5 * s + 0.5 * rng.next_f64())
        .collect();
    Table::new(vec![
        Column::new(
            "label",
            ColumnData::Int64(
                labels
                    .iter()
                    .map(|&l| i64::from(l))
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ),
        Column::new("champion", ColumnData::Float64(champion.into())),
        Column::new("challenger", ColumnData::Float64(challenger.into())),
    ])
    .unwrap()
}

/// Champion vs challenger on `table` with `replicates` paired bootstrap replicates.
pub fn run(table: &Table, replicates: u32) -> ComparisonReport {
    let side = |column: &str| SidePredictions {
        table,
        predictions: Predictions::Score(column.to_owned()),
        info: ModelSide {
            name: column.to_owned(),
            prediction_kind: PredictionKind::Score,
            prediction_columns: vec![column.to_owned()],
            fingerprints: Default::default(),
            latency_ms_per_row: None,
        },
    };
    let (a, b) = (side("champion"), side("challenger"));
    let mut config = CompareConfig::default();
    config.bootstrap.replicates = replicates;
    compare("label", &a, &b, &config, None).unwrap()
}

/// What the driver checks against scikit-learn: each metric's two point estimates and
/// the two tests' p-values, with `fields` (target, timings) added.
pub fn result(
    report: &ComparisonReport,
    fields: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Value {
    let values: serde_json::Map<String, serde_json::Value> = report
        .metrics
        .iter()
        .filter_map(|m| {
            Some((
                m.name.clone(),
                serde_json::json!([m.champion.estimate.value()?, m.challenger.estimate.value()?]),
            ))
        })
        .collect();
    let mut result = fields;
    result.insert("metrics".into(), report.metrics.len().into());
    result.insert("values".into(), values.into());
    result.insert(
        "mcnemar_p".into(),
        serde_json::json!(report.mcnemar.map(|t| t.p_value)),
    );
    result.insert(
        "delong_p".into(),
        serde_json::json!(report.delong.map(|t| t.p_value)),
    );
    result.into()
}
