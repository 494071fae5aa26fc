//! The transform benchmark's data, shared by the native bench (`benches/transform_apply.rs`)
//! and the wasm32 one (`tests/transform_apply_wasm.rs`): 1 M rows × 30 input columns
//! (20 numeric, 10 categorical) from a fixed-seed generator, and a pipeline giving 95
//! features, fitted on the first 100 000 rows.

use lockstep_core::table::{Column, ColumnData, StrColumn, Table};
use lockstep_core::transform::PipelineSpec;

pub const ROWS: usize = 1_000_000;
const NUMERIC: usize = 20;
const CATEGORICAL: usize = 10;

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

pub fn table(rows: usize) -> Table {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut columns = Vec::new();
    for c in 0..NUMERIC {
        let values: Vec<Option<f64>> = (0..rows)
            .map(|_| {
                let x = rng.unit();
                // 2 % nulls, positive skewed values.
                (x > 0.02).then(|| (x * 10.0).powi(2) + c as f64)
            })
            .collect();
        columns.push(Column::new(
            format!("n{c}"),
            ColumnData::Float64(values.into()),
        ));
    }
    for c in 0..CATEGORICAL {
        let dictionary: Vec<String> = (0..50).map(|i| format!("cat{c}_{i}")).collect();
        let codes = (0..rows)
            .map(|_| {
                // Skewed: low codes are frequent.
                let u = rng.unit();
                (u > 0.01).then_some(((u * u) * 50.0) as u32 % 50)
            })
            .collect();
        columns.push(Column::new(
            format!("c{c}"),
            ColumnData::Str(StrColumn::from_parts(&dictionary, codes).unwrap()),
        ));
    }
    Table::new(columns).unwrap()
}

pub fn spec() -> PipelineSpec {
    let mut columns = Vec::new();
    for c in 0..NUMERIC {
        let steps = match c % 5 {
            0 => r#"[{"step": "impute", "strategy": "mean"}, {"step": "standardize"}]"#,
            1 => {
                r#"[{"step": "impute", "strategy": "median"}, {"step": "log1p"}, {"step": "standardize"}]"#
            }
            2 => {
                r#"[{"step": "impute", "strategy": "constant", "fill_value": 0}, {"step": "min_max"}]"#
            }
            3 => {
                r#"[{"step": "impute", "strategy": "mean"}, {"step": "clip", "min": 1, "max": 50}]"#
            }
            _ => {
                r#"[{"step": "impute", "strategy": "most_frequent"}, {"step": "bucketize", "quantiles": 10}]"#
            }
        };
        columns.push(format!(r#"{{"name": "n{c}", "steps": {steps}}}"#));
    }
    for c in 0..CATEGORICAL {
        let encoder = match c {
            0..5 => {
                r#"{"step": "one_hot", "max_categories": 8, "handle_unknown": "infrequent_if_exist"}"#
            }
            5..8 => r#"{"step": "ordinal"}"#,
            _ => r#"{"step": "hash", "n_features": 16}"#,
        };
        columns.push(format!(
            r#"{{"name": "c{c}", "steps": [{{"step": "impute", "strategy": "most_frequent"}}, {encoder}]}}"#
        ));
    }
    PipelineSpec::from_json(&format!(r#"{{"columns": [{}]}}"#, columns.join(","))).unwrap()
}
