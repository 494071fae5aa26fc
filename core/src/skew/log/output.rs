//! Logged model outputs as columns: what the replay compares with the recomputed outputs.

use crate::onnx::{Tensor, TensorData};

use super::builder::Scalar;

/// The logged values of one model output, as a column.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedOutput {
    pub name: String,
    /// Values per row: 1 for a scalar, else the logged array's length.
    pub(super) width: Option<usize>,
    values: LoggedValues,
    /// Rows pushed so far.
    pub(super) rows: usize,
    /// Why the column cannot be compared (first problem found), if it cannot.
    problem: Option<String>,
}

/// Logged output values: integers until a fraction or null shows up (then all are
/// floats, null as NaN), or strings.
#[derive(Debug, Clone, PartialEq)]
enum LoggedValues {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Str(Vec<String>),
}

impl LoggedOutput {
    pub(super) fn new(name: &str, rows_before: usize, place: &dyn Fn() -> String) -> Self {
        Self {
            name: name.to_owned(),
            width: None,
            values: LoggedValues::Int(Vec::new()),
            rows: rows_before,
            problem: (rows_before > 0)
                .then(|| format!("{}: output `{name}` is not in earlier rows", place())),
        }
    }

    pub(super) fn fail(&mut self, problem: impl FnOnce() -> String) {
        if self.problem.is_none() {
            self.problem = Some(problem());
        }
    }

    /// Pushes a value; one that cannot be compared makes the column incomparable.
    pub(super) fn push_or_fail(&mut self, value: Scalar<'_>) {
        if let Err(kind) = self.push(value) {
            let name = self.name.clone();
            self.fail(|| format!("output `{name}`: logged {kind}, which cannot be compared"));
        }
    }

    fn push(&mut self, value: Scalar<'_>) -> Result<(), &'static str> {
        match (&mut self.values, value) {
            (LoggedValues::Int(v), Scalar::Int(i)) => v.push(i),
            (LoggedValues::Int(v), x @ (Scalar::Float(_) | Scalar::Null)) => {
                let mut floats: Vec<f64> = v.iter().map(|&i| i as f64).collect();
                floats.push(value_f64(&x));
                self.values = LoggedValues::Float(floats);
            }
            (LoggedValues::Int(v), Scalar::Str(s)) if v.is_empty() && self.rows == 0 => {
                self.values = LoggedValues::Str(vec![s.into_owned()]);
            }
            (LoggedValues::Float(v), x @ (Scalar::Int(_) | Scalar::Float(_) | Scalar::Null)) => {
                v.push(value_f64(&x));
            }
            (LoggedValues::Str(v), Scalar::Str(s)) => v.push(s.into_owned()),
            (_, Scalar::Bool(_)) => return Err("a boolean"),
            (LoggedValues::Str(_), _) => return Err("a number or null among strings"),
            (_, Scalar::Str(_)) => return Err("a string among numbers"),
        }
        Ok(())
    }

    /// The values shaped and typed like `like` (the recomputed output), or why not.
    pub fn to_tensor_like(&self, like: &Tensor) -> Result<Tensor, String> {
        if let Some(problem) = &self.problem {
            return Err(problem.clone());
        }
        let name = &self.name;
        let width: usize = like.shape().iter().skip(1).product();
        let rows = like.shape().first().copied().unwrap_or(0);
        let logged_width = self.width.unwrap_or(width);
        if logged_width != width || rows != self.rows {
            return Err(format!(
                "output `{name}`: the log holds {} rows × {logged_width} values, the model gives {rows} × {width}",
                self.rows
            ));
        }
        let shape = like.shape().to_vec();
        let wrong = |kind: &str| {
            format!(
                "output `{name}`: logged {kind}, but the model's output is {}",
                like.dtype()
            )
        };
        let tensor = match (like.data(), &self.values) {
            (TensorData::F32(_), LoggedValues::Int(v)) => {
                Tensor::f32(shape, v.iter().map(|&i| i as f32).collect())
            }
            (TensorData::F32(_), LoggedValues::Float(v)) => {
                Tensor::f32(shape, v.iter().map(|&x| x as f32).collect())
            }
            (TensorData::F64(_), LoggedValues::Int(v)) => {
                Tensor::f64(shape, v.iter().map(|&i| i as f64).collect())
            }
            (TensorData::F64(_), LoggedValues::Float(v)) => Tensor::f64(shape, v.clone()),
            (TensorData::I64(_), LoggedValues::Int(v)) => Tensor::i64(shape, v.clone()),
            (TensorData::Str(_), LoggedValues::Str(v)) => Tensor::strings(shape, v.clone()),
            (_, LoggedValues::Int(_)) => return Err(wrong("integers")),
            (_, LoggedValues::Float(_)) => return Err(wrong("fractions or nulls")),
            (_, LoggedValues::Str(_)) => return Err(wrong("strings")),
        };
        tensor.map_err(|e| format!("output `{name}`: {e}"))
    }

    /// Element `element` of row `row`, for joining with offline predictions.
    pub fn value(&self, row: usize, element: usize) -> Option<LoggedValue<'_>> {
        if self.problem.is_some() {
            return None;
        }
        let width = self.width.unwrap_or(1);
        if element >= width {
            return None;
        }
        let i = row * width + element;
        match &self.values {
            LoggedValues::Int(v) => v.get(i).map(|&x| LoggedValue::Int(x)),
            LoggedValues::Float(v) => v.get(i).map(|&x| LoggedValue::Float(x)),
            LoggedValues::Str(v) => v.get(i).map(|s| LoggedValue::Str(s)),
        }
    }

    /// Values per row (1 for a scalar output).
    pub fn width(&self) -> usize {
        self.width.unwrap_or(1)
    }
}

/// One logged output value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LoggedValue<'a> {
    Int(i64),
    Float(f64),
    Str(&'a str),
}

fn value_f64(value: &Scalar<'_>) -> f64 {
    match value {
        Scalar::Int(i) => *i as f64,
        Scalar::Float(f) => *f,
        _ => f64::NAN,
    }
}
