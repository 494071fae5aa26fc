//! A batch cut into contiguous parts of rows to run somewhere else — the page's engine
//! workers, each with its own [`Model`] of the same bytes — and the parts' outputs
//! merged back. The same cut as native threads ([`Model::run_parallel`]): only graphs
//! that compute each row from that row alone are split ([`Model::splits_batch`]), so
//! the merged outputs are bit for bit those of one [`Model::run`] on the whole batch.

use super::error::OnnxError;
use super::model::Model;
use super::split;
use super::tensor::Tensor;

/// Named tensors in the graph's input or output order: one part's inputs, or outputs.
pub type Named = Vec<(String, Tensor)>;

impl Model {
    /// `inputs` cut into at most `parts` contiguous ranges of rows, each at least
    /// `min_rows` rows, as named inputs in the graph's input order. `Ok(None)` when the
    /// batch should run whole: the graph does not split, or there are too few rows for
    /// two parts. Errors are [`Model::run`]'s for inputs the model cannot take.
    pub fn split_rows(
        &self,
        inputs: &[(&str, &Tensor)],
        parts: usize,
        min_rows: usize,
    ) -> Result<Option<Vec<Named>>, OnnxError> {
        let bound = self.bind(inputs)?;
        let Some(rows) = self.batch_rows(&bound) else {
            return Ok(None);
        };
        let parts = parts.min(rows / min_rows.max(1));
        if parts < 2 {
            return Ok(None);
        }
        let per_part = rows.div_ceil(parts);
        let names: Vec<&str> = self.inputs().iter().map(|i| i.name.as_str()).collect();
        let cut = (0..rows)
            .step_by(per_part)
            .map(|start| {
                let end = (start + per_part).min(rows);
                bound
                    .iter()
                    .zip(&names)
                    .map(|(t, n)| {
                        split::slice_rows(t, start, end, None).map(|t| ((*n).to_owned(), t))
                    })
                    .collect::<Option<Vec<_>>>()
            })
            .collect::<Option<Vec<_>>>();
        Ok(cut)
    }

    /// The outputs of the parts [`Model::split_rows`] made, in order, as one run's:
    /// batched outputs concatenated, constant ones kept from the first part. `None` when
    /// there are no parts or one does not fit the model's outputs.
    pub fn merge_rows(&self, parts: Vec<Named>) -> Option<Named> {
        let plan = self.split_plan()?;
        let mut outputs = None;
        for part in parts {
            split::merge(&mut outputs, part, plan)?;
        }
        outputs
    }
}
