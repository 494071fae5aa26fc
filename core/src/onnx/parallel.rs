//! Multi-threaded runs (native only; wasm32 has no threads and this module is not built
//! there): the batch is cut into one contiguous range of rows per thread, each range runs
//! in chunks on a `std::thread::scope` thread, and the outputs are concatenated in order.
//! Only graphs that compute each row from that row alone are split (see
//! [`Model::splits_batch`]), so the outputs are bit for bit those of [`Model::run`].

use super::error::OnnxError;
use super::graph::ValueInfo;
use super::model::{CHUNK_ROWS, Model};
use super::split;
use super::tensor::Tensor;
use crate::engine::{CORE, Engine, EngineError};

/// lockstep-core's engine on up to `threads` threads ([`Model::run_parallel`]): the
/// engine `lockstep predict` and `lockstep eval` use natively. Its name is `core`, as
/// [`Model`]'s: the outputs are the same, bit for bit, whatever the thread count.
#[derive(Debug)]
pub struct ParallelModel {
    model: Model,
    threads: usize,
}

impl ParallelModel {
    /// `threads` is at least 1.
    pub fn new(model: Model, threads: usize) -> Self {
        Self {
            model,
            threads: threads.max(1),
        }
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl Engine for ParallelModel {
    fn name(&self) -> &str {
        CORE
    }

    fn inputs(&self) -> &[ValueInfo] {
        self.model.inputs()
    }

    fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, EngineError> {
        Ok(self.model.run_parallel(inputs, self.threads)?)
    }
}

/// Fewer rows than this per thread are not worth a thread.
const MIN_ROWS_PER_THREAD: usize = 1024;

impl Model {
    /// [`Model::run`] on up to `threads` threads (the batch is split only when it has at
    /// least [`MIN_ROWS_PER_THREAD`] rows per thread and the graph allows it; otherwise
    /// this is `run`). Same outputs and errors as `run`.
    pub fn run_parallel(
        &self,
        inputs: &[(&str, &Tensor)],
        threads: usize,
    ) -> Result<Vec<(String, Tensor)>, OnnxError> {
        let bound = self.bind(inputs)?;
        let rows = self.batch_rows(&bound).unwrap_or(0);
        let threads = threads.min(rows / MIN_ROWS_PER_THREAD).max(1);
        self.run_threads(&bound, threads, CHUNK_ROWS)
    }

    /// [`Model::run_parallel`] with exactly `threads` threads (when there are as many
    /// rows) and `chunk_rows` rows per chunk, for tests of the splitting itself.
    pub fn run_parallel_chunked(
        &self,
        inputs: &[(&str, &Tensor)],
        threads: usize,
        chunk_rows: usize,
    ) -> Result<Vec<(String, Tensor)>, OnnxError> {
        let bound = self.bind(inputs)?;
        self.run_threads(&bound, threads, chunk_rows)
    }

    fn run_threads(
        &self,
        bound: &[&Tensor],
        threads: usize,
        chunk_rows: usize,
    ) -> Result<Vec<(String, Tensor)>, OnnxError> {
        let (Some(rows), Some(plan)) = (self.batch_rows(bound), self.split_plan()) else {
            return self.run_bound(bound, chunk_rows);
        };
        if threads < 2 || rows < 2 {
            return self.run_bound(bound, chunk_rows);
        }
        let per_thread = rows.div_ceil(threads);
        let chunk_rows = if chunk_rows == 0 {
            per_thread
        } else {
            chunk_rows
        };
        let parts: Vec<Option<Vec<(String, Tensor)>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..rows)
                .step_by(per_thread)
                .map(|start| {
                    let end = (start + per_thread).min(rows);
                    scope.spawn(move || self.run_rows(bound, start..end, chunk_rows))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        let mut outputs = None;
        for part in parts {
            let merged = part.and_then(|p| split::merge(&mut outputs, p, plan));
            if merged.is_none() {
                // A part failed: run unsplit so that the error is the one `run` reports.
                return self.run_bound(bound, 0);
            }
        }
        outputs.map_or_else(|| self.run_bound(bound, 0), Ok)
    }
}
