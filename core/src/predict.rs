//! Feeding a [`Table`] to an ONNX model and laying its outputs out as named columns.
//!
//! Without a fitted pipeline, the table's columns *are* the model's input:
//! * a model with one input takes every column, in order, as its `[rows, columns]`
//!   tensor;
//! * a model with several named inputs takes, for each, the column of the same name
//!   (as a `[rows, 1]` tensor).
//!
//! Nulls become NaN in float inputs (how scikit-learn and ONNX Runtime mark missing
//! values; tree ensembles route them explicitly) and are an error for integer and
//! string inputs.
//!
//! ## The output → column layout
//!
//! Model outputs become columns one way, here ([`output_columns`], [`column_names`]),
//! for `lockstep predict`'s files, the evaluation report (`report::run_model`) and the
//! page: a `[rows]` or `[rows, 1]` output is one column named like the output; a
//! `[rows, k]` output is k columns `<output>_<class>`, where `<class>` is the
//! classifier's own class label when the model names k of them
//! ([`crate::onnx::class_labels`]: `probabilities_setosa`, `probabilities_0` for a
//! classifier of 0/1), else the index `0 … k-1`.

use crate::engine::Engine;
use crate::onnx::{DType, DimInfo, Tensor, TensorData, ValueInfo};
use crate::table::{ColumnData, Table, ValueAt};
use crate::transform::{self, FittedPipeline, TransformError};

/// Why a table could not be fed to a model, or its outputs laid out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error("the model's input `{input}` has no matching column (columns: {})", available.join(", "))]
    MissingColumn {
        input: String,
        available: Vec<String>,
    },
    #[error(
        "the model's input `{input}` takes {expected} features per row, but the table has {found} columns ({})",
        columns.join(", ")
    )]
    WidthMismatch {
        input: String,
        expected: usize,
        found: usize,
        columns: Vec<String>,
    },
    #[error(
        "column `{column}`, row {row}: value `{value}` is not a number, but the model's input `{input}` takes numbers"
    )]
    NotNumeric {
        column: String,
        row: usize,
        value: String,
        input: String,
    },
    #[error(
        "column `{column}` is null in row {row}; the model's input `{input}` is {dtype} and has no missing-value encoding"
    )]
    Null {
        column: String,
        row: usize,
        input: String,
        dtype: String,
    },
    #[error("the model's input `{input}` has element type {dtype}, which tables cannot feed")]
    UnsupportedInput { input: String, dtype: String },
    #[error(
        "the model's output `{output}` has shape {shape:?}; expected [rows] or [rows, k] with {rows} rows"
    )]
    OutputShape {
        output: String,
        shape: Vec<usize>,
        rows: usize,
    },
    #[error(
        "with a pipeline the model must take one input (the feature matrix), but it takes {}: {}",
        names.len(), names.join(", ")
    )]
    PipelineNeedsOneInput { names: Vec<String> },
    #[error("cannot transform the data: {0}")]
    Transform(#[from] TransformError),
    #[error(transparent)]
    Onnx(#[from] crate::onnx::OnnxError),
}

/// The input tensors of the model `engine` runs, from its input metadata
/// ([`Engine::inputs`]): the pipeline's features when one is given (the model must
/// then take one input, the feature matrix), else the table's columns
/// ([`model_inputs`]). The CLI and the web app both feed models through this.
pub fn build_inputs(
    engine: &dyn Engine,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
) -> Result<Vec<(String, Tensor)>, PredictError> {
    let inputs = engine.inputs();
    let Some(pipeline) = pipeline else {
        return model_inputs(table, inputs);
    };
    let [input] = inputs else {
        return Err(PredictError::PipelineNeedsOneInput {
            names: inputs.iter().map(|i| i.name.clone()).collect(),
        });
    };
    let matrix = transform::apply(pipeline, table)?;
    let tensor = Tensor::f32(
        vec![matrix.num_rows(), matrix.num_features()],
        matrix.values().to_vec(),
    )?;
    Ok(vec![(input.name.clone(), tensor)])
}

/// Builds the model's input tensors from the table's columns.
pub fn model_inputs(
    table: &Table,
    inputs: &[ValueInfo],
) -> Result<Vec<(String, Tensor)>, PredictError> {
    let names: Vec<String> = table.column_names().map(str::to_owned).collect();
    if let [input] = inputs {
        if let Some(Some(DimInfo::Fixed(width))) = input.shape.as_ref().map(|s| s.get(1).cloned())
            && width != table.num_columns()
            && !(width == 1 && names.contains(&input.name))
        {
            return Err(PredictError::WidthMismatch {
                input: input.name.clone(),
                expected: width,
                found: table.num_columns(),
                columns: names,
            });
        }
        // A single input named like one column (a one-feature model) takes that column.
        let columns: Vec<usize> = if table.num_columns() > 1 && names.contains(&input.name) {
            vec![names.iter().position(|n| *n == input.name).unwrap_or(0)]
        } else {
            (0..table.num_columns()).collect()
        };
        let tensor = input_tensor(table, &columns, input)?;
        return Ok(vec![(input.name.clone(), tensor)]);
    }
    inputs
        .iter()
        .map(|input| {
            let index = names.iter().position(|n| *n == input.name).ok_or_else(|| {
                PredictError::MissingColumn {
                    input: input.name.clone(),
                    available: names.clone(),
                }
            })?;
            Ok((input.name.clone(), input_tensor(table, &[index], input)?))
        })
        .collect()
}

fn input_tensor(
    table: &Table,
    columns: &[usize],
    input: &ValueInfo,
) -> Result<Tensor, PredictError> {
    let rows = table.num_rows();
    let width = columns.len();
    let shape = vec![rows, width];
    let dtype = input.dtype.unwrap_or(DType::F32);
    let cols: Vec<_> = columns.iter().map(|&c| &table.columns()[c]).collect();
    let null = |column: &str, row: usize| PredictError::Null {
        column: column.to_owned(),
        row: row + 1,
        input: input.name.clone(),
        dtype: dtype.to_string(),
    };
    Ok(match dtype {
        DType::F32 | DType::F64 => {
            let mut data = vec![0.0_f64; rows * width];
            for (j, column) in cols.iter().enumerate() {
                let values = numeric_column(column.name(), column.data(), &input.name)?;
                for (row, value) in values.into_iter().enumerate() {
                    data[row * width + j] = value.unwrap_or(f64::NAN);
                }
            }
            if dtype == DType::F32 {
                Tensor::f32(shape, data.into_iter().map(|v| v as f32).collect())?
            } else {
                Tensor::f64(shape, data)?
            }
        }
        DType::I64 => {
            let mut data = vec![0_i64; rows * width];
            for (j, column) in cols.iter().enumerate() {
                for row in 0..rows {
                    let value = match column.data() {
                        ColumnData::Int64(v) => v.value_at(row),
                        ColumnData::Bool(v) => v.value_at(row).map(i64::from),
                        ColumnData::Float64(v) => match v.value_at(row) {
                            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
                            Some(f) => {
                                return Err(PredictError::NotNumeric {
                                    column: column.name().to_owned(),
                                    row: row + 1,
                                    value: f.to_string(),
                                    input: input.name.clone(),
                                });
                            }
                            None => None,
                        },
                        ColumnData::Str(s) => {
                            return Err(PredictError::NotNumeric {
                                column: column.name().to_owned(),
                                row: row + 1,
                                value: s.get(row).unwrap_or("").to_owned(),
                                input: input.name.clone(),
                            });
                        }
                    };
                    data[row * width + j] = value.ok_or_else(|| null(column.name(), row))?;
                }
            }
            Tensor::i64(shape, data)?
        }
        DType::Str => {
            let mut data = vec![String::new(); rows * width];
            for (j, column) in cols.iter().enumerate() {
                for (row, slot) in (0..rows).map(|r| (r, r * width + j)) {
                    data[slot] = column
                        .value_text(row)
                        .ok_or_else(|| null(column.name(), row))?;
                }
            }
            Tensor::strings(shape, data)?
        }
    })
}

fn numeric_column(
    name: &str,
    data: &ColumnData,
    input: &str,
) -> Result<Vec<Option<f64>>, PredictError> {
    Ok(match data {
        ColumnData::Float64(v) => v.iter().collect(),
        ColumnData::Int64(v) => v.iter().map(|x| x.map(|i| i as f64)).collect(),
        ColumnData::Bool(v) => v
            .iter()
            .map(|x| x.map(|b| f64::from(u8::from(b))))
            .collect(),
        ColumnData::Str(s) => {
            let row = s.codes().iter().position(|c| c.is_some()).unwrap_or(0);
            return Err(PredictError::NotNumeric {
                column: name.to_owned(),
                row: row + 1,
                value: s.get(row).unwrap_or("").to_owned(),
                input: input.to_owned(),
            });
        }
    })
}

/// One column of model output.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputValues {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    Str(Vec<String>),
}

/// Model outputs as named columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumns {
    pub rows: usize,
    pub columns: Vec<(String, OutputValues)>,
}

/// The column names of output `output` with `width` values per row (the layout in the
/// module docs): the output's name when `width` is 1, else `<output>_<class>` with the
/// model's `class_labels` when there are `width` of them, else `<output>_<index>`.
pub fn column_names(output: &str, width: usize, class_labels: Option<&[String]>) -> Vec<String> {
    if width == 1 {
        return vec![output.to_owned()];
    }
    match class_labels.filter(|c| c.len() == width) {
        Some(classes) => classes.iter().map(|c| format!("{output}_{c}")).collect(),
        None => (0..width).map(|j| format!("{output}_{j}")).collect(),
    }
}

/// Lays outputs out as columns ([`column_names`]): `[rows]` and `[rows, 1]` outputs
/// keep their name, `[rows, k]` outputs become `name_<class>` when `class_labels`
/// gives the model's k class labels, else `name_0 … name_{k-1}`.
pub fn output_columns(
    outputs: &[(String, Tensor)],
    rows: usize,
    class_labels: Option<&[String]>,
) -> Result<OutputColumns, PredictError> {
    let mut columns = Vec::new();
    for (name, tensor) in outputs {
        let shape = tensor.shape();
        let width = match shape {
            [r] if *r == rows => 1,
            [r, k] if *r == rows => *k,
            _ => {
                return Err(PredictError::OutputShape {
                    output: name.clone(),
                    shape: shape.to_vec(),
                    rows,
                });
            }
        };
        for (j, header) in column_names(name, width, class_labels)
            .into_iter()
            .enumerate()
        {
            let pick = |i: usize| i * width + j;
            let values = match tensor.data() {
                TensorData::F32(v) => OutputValues::F32((0..rows).map(|i| v[pick(i)]).collect()),
                TensorData::F64(v) => OutputValues::F64((0..rows).map(|i| v[pick(i)]).collect()),
                TensorData::I64(v) => OutputValues::I64((0..rows).map(|i| v[pick(i)]).collect()),
                TensorData::Str(v) => {
                    OutputValues::Str((0..rows).map(|i| v[pick(i)].clone()).collect())
                }
            };
            columns.push((header, values));
        }
    }
    Ok(OutputColumns { rows, columns })
}

impl OutputColumns {
    /// CSV bytes with a header line. Floats use the shortest text that reads back to
    /// the same value (f32 outputs as f32), so nothing is lost in the file.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = String::new();
        let headers: Vec<String> = self.columns.iter().map(|(n, _)| csv_field(n)).collect();
        out.push_str(&headers.join(","));
        out.push('\n');
        for row in 0..self.rows {
            for (j, (_, values)) in self.columns.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                match values {
                    OutputValues::F32(v) => {
                        push_float(&mut out, f64::from(v[row]), v[row].to_string())
                    }
                    OutputValues::F64(v) => push_float(&mut out, v[row], v[row].to_string()),
                    OutputValues::I64(v) => out.push_str(&v[row].to_string()),
                    OutputValues::Str(v) => out.push_str(&csv_field(&v[row])),
                }
            }
            out.push('\n');
        }
        out.into_bytes()
    }
}

/// NaN is written as an empty field (a null), which pandas reads back as NaN.
fn push_float(out: &mut String, value: f64, text: String) {
    if !value.is_nan() {
        out.push_str(&text);
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_carry_the_class_label_when_the_model_names_its_classes() {
        let labels = ["setosa".to_owned(), "versicolor".to_owned()];
        assert_eq!(
            column_names("probabilities", 2, Some(&labels)),
            ["probabilities_setosa", "probabilities_versicolor"]
        );
        // No labels, or not one per column: the index.
        assert_eq!(
            column_names("probabilities", 2, None),
            ["probabilities_0", "probabilities_1"]
        );
        assert_eq!(
            column_names("scores", 3, Some(&labels)),
            ["scores_0", "scores_1", "scores_2"]
        );
        assert_eq!(column_names("label", 1, Some(&labels)), ["label"]);
        let outputs = vec![
            (
                "label".to_owned(),
                Tensor::strings(vec![2], vec!["setosa".into(), "versicolor".into()]).unwrap(),
            ),
            (
                "probabilities".to_owned(),
                Tensor::f32(vec![2, 2], vec![0.9, 0.1, 0.2, 0.8]).unwrap(),
            ),
        ];
        let columns = output_columns(&outputs, 2, Some(&labels)).unwrap();
        let names: Vec<&str> = columns.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["label", "probabilities_setosa", "probabilities_versicolor"]
        );
        assert_eq!(columns.columns[2].1, OutputValues::F32(vec![0.1, 0.8]));
    }
}
