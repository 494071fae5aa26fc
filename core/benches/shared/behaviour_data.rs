//! The behavioural-suite benchmark's model, rows and work, shared by the native bench
//! (`benches/behaviour.rs`) and the wasm32 one (`tests/behaviour_wasm.rs`): the whole
//! default suite on 1,000 rows × 30 features with a 100-tree random forest
//! (tests/data/behaviour/bench_*, from scripts/fixtures/gen_behaviour.py).

use lockstep_core::behaviour::{BehaviourReport, BehaviourSpec, run_behaviour};
use lockstep_core::onnx::{Model, class_labels};
use lockstep_core::table::{CsvOptions, Table};

const MODEL: &[u8] = include_bytes!("../../../tests/data/behaviour/bench_forest_30.onnx");
const ROWS: &[u8] = include_bytes!("../../../tests/data/behaviour/bench_1000x30.csv");

/// The model, its class labels, the rows and the default suite, read once.
pub struct Bench {
    model: Model,
    labels: Option<Vec<String>>,
    table: Table,
    spec: BehaviourSpec,
}

impl Bench {
    pub fn load() -> Self {
        Self {
            model: Model::from_bytes(MODEL).unwrap(),
            labels: class_labels(MODEL),
            table: Table::from_csv(ROWS, &CsvOptions::default()).unwrap(),
            spec: BehaviourSpec::default_suite(),
        }
    }

    /// One run of the default suite.
    pub fn run(&self) -> BehaviourReport {
        run_behaviour(
            &self.model,
            self.labels.as_deref(),
            &self.table,
            None,
            "label",
            &self.spec,
        )
        .unwrap()
    }
}

/// How many times the suite ran the model (each curve point past the first, each
/// feature, and the unperturbed rows once).
pub fn model_runs(report: &BehaviourReport) -> usize {
    report
        .tests
        .iter()
        .map(|t| t.curve.len().saturating_sub(1) + t.features.len())
        .sum::<usize>()
        + 1
}
