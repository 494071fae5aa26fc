//! A request body of `lockstep serve` (`/v1/predict` rows, or an OIP v2 infer request
//! when it has `inputs`) → the server's validation → the served pipeline's
//! transforms: a feature matrix or a 400 naming the problem, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use lockstep_core::transform;
use lockstep_serve::server::oip::{InferRequest, PredictRequest};
use lockstep_serve::server::validate::{rows_to_table, tensors_to_table};

#[path = "common.rs"]
mod common;

const MAX_ROWS: usize = 1024;

fuzz_target!(|data: &[u8]| {
    let pipeline = common::serving_pipeline();
    let schema = pipeline.input_schema();
    let is_null = |text: &str| pipeline.is_null_value(text);
    let table = if let Ok(request) = serde_json::from_slice::<PredictRequest>(data) {
        rows_to_table(schema, &is_null, &request.rows, MAX_ROWS)
    } else if let Ok(request) = serde_json::from_slice::<InferRequest>(data) {
        tensors_to_table(schema, &is_null, &request.inputs, MAX_ROWS)
    } else {
        return;
    };
    if let Ok(table) = table {
        assert!(table.num_rows() <= MAX_ROWS);
        let _ = transform::apply(pipeline, &table);
    }
});
