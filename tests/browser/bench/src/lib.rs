//! lockstep-core's ONNX engine for the browser benchmark (`scripts/bench/browser_engines.sh`).
//!
//! A separate cdylib, so that benchmarking adds nothing to the web app's bundle. It is built
//! the way Trunk builds the page (`--profile wasm-release`, the workspace's wasm32
//! `rustflags` from `.cargo/config.toml`, then `wasm-opt -Oz`), so that the figures are
//! those of the engine as the page ships it. One [`BenchModel`] per Web Worker gives the
//! data-parallel runs (see `tests/browser/bench/parallel.mjs`).

use js_sys::{Array, BigInt64Array, Float32Array};
use lockstep_core::onnx::{Model, TensorData};
use wasm_bindgen::prelude::*;

/// A loaded model.
#[wasm_bindgen]
pub struct BenchModel {
    model: Model,
}

#[wasm_bindgen]
impl BenchModel {
    /// Parses and checks an ONNX model.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<BenchModel, JsError> {
        let model = Model::from_bytes(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        Ok(BenchModel { model })
    }

    /// Runs the model on `x`, a row-major `rows × cols` f32 matrix (copied into wasm
    /// memory, as onnxruntime-web copies its input), with `Model::run` (chunks of rows);
    /// returns every output in the model's order: f32 as `Float32Array`, int64 as
    /// `BigInt64Array`.
    pub fn run(&self, x: Vec<f32>, cols: usize) -> Result<Array, JsError> {
        if cols == 0 || !x.len().is_multiple_of(cols) {
            return Err(JsError::new(&format!(
                "{} values are not whole rows of {cols} columns",
                x.len()
            )));
        }
        let rows = x.len() / cols;
        let outputs = self
            .model
            .run_f32_matrix(x, rows, cols)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let out = Array::new();
        for (name, tensor) in outputs {
            match tensor.data() {
                TensorData::F32(v) => out.push(&Float32Array::from(v.as_slice())),
                TensorData::I64(v) => out.push(&BigInt64Array::from(v.as_slice())),
                other => {
                    return Err(JsError::new(&format!(
                        "output `{name}` is {:?}; the bench reads f32 and int64 outputs",
                        other.dtype()
                    )));
                }
            };
        }
        Ok(out)
    }

    /// Whether a batch may be split into row ranges (across workers) without changing a
    /// bit of the outputs: `Model::splits_batch`.
    pub fn splits_batch(&self) -> bool {
        self.model.splits_batch()
    }
}
