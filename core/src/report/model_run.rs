//! Evaluating a model instead of prediction columns: [`run_model`] runs it on the
//! table (through a fitted pipeline when there is one) and lays its outputs out as
//! the columns [`super::evaluate`] reads. `lockstep eval --model` and the web app
//! both call it, so they evaluate the same predictions.
//!
//! * Without a pipeline, the label column is never an input: the model takes every
//!   other column ([`crate::predict::build_inputs`]).
//! * The model runs on any [`Engine`] (the CLI and the page pass core's).
//! * A `[rows, k > 1]` float output is the class probabilities, one column per class,
//!   named by the one output → column layout of [`crate::predict`] (the layout of
//!   `lockstep predict`'s files): `<output>_<class>` with the classifier's own labels
//!   when the model names them, else `<output>_<index>`. The class each column stands
//!   for is the classifier's label, else the label column's classes in scikit-learn's
//!   order (numeric when every class is a number, else text), else the index. Two
//!   classes are evaluated as a positive-class score (the second class), more as
//!   per-class probabilities.
//! * Otherwise the first output is the predicted class (or value), in a column named
//!   `<output>_prediction`.

use super::config::{ClassProbabilityColumn, Predictions};
use crate::engine::{Engine, EngineError};
use crate::metrics::ClassColumn;
use crate::onnx::TensorData;
use crate::predict::{self, PredictError};
use crate::table::{Column, ColumnData, Float64Array, Table, TableError};
use crate::transform::FittedPipeline;

/// A model's predictions, ready to evaluate.
#[derive(Debug, Clone)]
pub struct ModelRun {
    /// The input table with the model's output columns added.
    pub table: Table,
    pub predictions: Predictions,
    /// Time of the engine's run per row, in milliseconds of the caller's clock.
    pub latency_ms_per_row: f64,
}

/// Why a model could not be run for an evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelRunError {
    #[error("cannot feed the data to the model: {0}")]
    Inputs(#[from] PredictError),
    #[error("the {engine} engine failed: {source}")]
    Run { engine: String, source: EngineError },
    #[error("the model has no outputs")]
    NoOutputs,
    #[error("output `{output}` holds strings and no probabilities")]
    StringOutput { output: String },
    #[error("output `{output}` has {values} values for {rows} rows")]
    OutputLength {
        output: String,
        values: usize,
        rows: usize,
    },
    #[error("cannot add the model's outputs to the table: {0}")]
    Table(#[from] TableError),
}

/// Runs the model on `engine` over `table` and adds its outputs as columns (see the
/// module docs). `class_labels` are the classifier's labels
/// ([`crate::onnx::class_labels`] of the model bytes); `now` reads a clock in
/// milliseconds, to time the run.
pub fn run_model(
    engine: &dyn Engine,
    class_labels: Option<&[String]>,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    label: &str,
    now: &dyn Fn() -> f64,
) -> Result<ModelRun, ModelRunError> {
    let inputs = model_inputs(engine, table, pipeline, label)?;
    let refs: Vec<_> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let start = now();
    let outputs = engine
        .run(&refs)
        .map_err(|source| run_error(engine, source))?;
    let millis = now() - start;
    model_outputs(outputs, class_labels, table, label, millis)
}

/// [`run_model`] through [`Engine::run_async`]: the page awaits it, so that the engine
/// can run the batch elsewhere (its engine workers, WebGPU) without blocking. The same
/// inputs and the same columns.
pub async fn run_model_async(
    engine: &dyn Engine,
    class_labels: Option<&[String]>,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    label: &str,
    now: &dyn Fn() -> f64,
) -> Result<ModelRun, ModelRunError> {
    let inputs = model_inputs(engine, table, pipeline, label)?;
    let refs: Vec<_> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let start = now();
    let outputs = engine
        .run_async(&refs)
        .await
        .map_err(|source| run_error(engine, source))?;
    let millis = now() - start;
    model_outputs(outputs, class_labels, table, label, millis)
}

fn run_error(engine: &dyn Engine, source: EngineError) -> ModelRunError {
    ModelRunError::Run {
        engine: engine.name().to_owned(),
        source,
    }
}

/// The model's inputs from `table`: through the pipeline when there is one, else every
/// column but the label.
fn model_inputs(
    engine: &dyn Engine,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    label: &str,
) -> Result<Vec<(String, crate::onnx::Tensor)>, ModelRunError> {
    let features = if pipeline.is_some() {
        table.clone()
    } else {
        Table::new(
            table
                .columns()
                .iter()
                .filter(|c| c.name() != label)
                .cloned()
                .collect(),
        )?
    };
    Ok(predict::build_inputs(engine, &features, pipeline)?)
}

/// The engine's `outputs` on `table` laid out as evaluation columns; `millis` is the
/// run's time.
fn model_outputs(
    outputs: Vec<(String, crate::onnx::Tensor)>,
    class_labels: Option<&[String]>,
    table: &Table,
    label: &str,
    millis: f64,
) -> Result<ModelRun, ModelRunError> {
    let rows = table.num_rows();
    let latency_ms_per_row = millis / rows.max(1) as f64;

    let mut columns: Vec<Column> = table.columns().to_vec();
    let probabilities = outputs
        .iter()
        .find(|(_, t)| t.shape().len() == 2 && t.shape()[1] > 1 && t.as_f32().is_some());
    let predictions = if let Some((name, tensor)) = probabilities {
        let width = tensor.shape()[1];
        let classes = class_labels
            .filter(|c| c.len() == width)
            .map(<[String]>::to_vec)
            .or_else(|| sorted_classes(table, label).filter(|c| c.len() == width))
            .unwrap_or_else(|| (0..width).map(|j| j.to_string()).collect());
        let data = tensor.as_f32().unwrap_or_default();
        let names = predict::column_names(name, width, class_labels);
        let mut per_class = Vec::with_capacity(width);
        for (j, (class, column)) in classes.iter().zip(names).enumerate() {
            let values: Float64Array = (0..rows)
                .map(|r| data.get(r * width + j).map(|&p| f64::from(p)))
                .collect();
            columns.push(Column::new(column.clone(), ColumnData::Float64(values)));
            per_class.push(ClassProbabilityColumn {
                class: class.clone(),
                column,
            });
        }
        match per_class.as_slice() {
            [_, positive] => Predictions::Score(positive.column.clone()),
            _ => Predictions::Probabilities(per_class),
        }
    } else {
        let (name, tensor) = outputs.first().ok_or(ModelRunError::NoOutputs)?;
        let values: Float64Array = match tensor.data() {
            TensorData::F32(v) => v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>().into(),
            TensorData::F64(v) => v.clone().into(),
            TensorData::I64(v) => v.iter().map(|&x| x as f64).collect::<Vec<_>>().into(),
            TensorData::Str(_) => {
                return Err(ModelRunError::StringOutput {
                    output: name.clone(),
                });
            }
        };
        if values.len() != rows {
            return Err(ModelRunError::OutputLength {
                output: name.clone(),
                values: values.len(),
                rows,
            });
        }
        let column = format!("{name}_prediction");
        columns.push(Column::new(column.clone(), ColumnData::Float64(values)));
        Predictions::Column(column)
    };
    Ok(ModelRun {
        table: Table::new(columns)?,
        predictions,
        latency_ms_per_row,
    })
}

/// The label column's distinct values, sorted as scikit-learn orders classes.
pub(crate) fn sorted_classes(table: &Table, label: &str) -> Option<Vec<String>> {
    let column = table.column(label).ok()?;
    let classes = ClassColumn::from_column(column).ok()?.classes;
    let mut numeric: Vec<(f64, String)> = classes
        .iter()
        .filter_map(|c| c.parse::<f64>().ok().map(|v| (v, c.clone())))
        .collect();
    if numeric.len() == classes.len() {
        numeric.sort_by(|a, b| a.0.total_cmp(&b.0));
        return Some(numeric.into_iter().map(|(_, c)| c).collect());
    }
    let mut sorted = classes;
    sorted.sort();
    Some(sorted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::{Model, class_labels};
    use crate::table::CsvOptions;

    /// The iris fixture's input rows as a CSV with columns f0…f3 and, as the label,
    /// ONNX Runtime's predicted class (so the core engine must score perfectly).
    fn iris() -> (Vec<u8>, Table) {
        iris_labelled(|label| label.to_string())
    }

    /// [`iris`] with the label column's values written by `label`.
    fn iris_labelled(label: impl Fn(&serde_json::Value) -> String) -> (Vec<u8>, Table) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/onnx/");
        let bytes = std::fs::read(format!("{dir}logreg_multinomial_iris.onnx")).unwrap();
        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(format!("{dir}logreg_multinomial_iris.json")).unwrap(),
        )
        .unwrap();
        let input = json["inputs"][0]["data"].as_array().unwrap();
        let labels = json["outputs"][0]["data"].as_array().unwrap();
        let mut csv = "f0,f1,f2,f3,species\n".to_owned();
        for (row, label_value) in input.chunks(4).zip(labels) {
            let fields: Vec<String> = row.iter().map(ToString::to_string).collect();
            csv.push_str(&format!("{},{}\n", fields.join(","), label(label_value)));
        }
        let table = Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap();
        (bytes, table)
    }

    #[test]
    fn probabilities_become_one_column_per_class_and_the_label_is_no_input() {
        let (bytes, table) = iris();
        let model = Model::from_bytes(&bytes).unwrap();
        let labels = class_labels(&bytes);
        let run = run_model(&model, labels.as_deref(), &table, None, "species", &|| 0.0).unwrap();
        let Predictions::Probabilities(pairs) = &run.predictions else {
            panic!("{:?}", run.predictions);
        };
        let classes: Vec<&str> = pairs.iter().map(|p| p.class.as_str()).collect();
        assert_eq!(classes, ["0", "1", "2"]);
        assert_eq!(pairs[2].column, "probabilities_2");
        assert_eq!(run.table.num_columns(), table.num_columns() + 3);
        let report = crate::report::evaluate(
            &run.table,
            &crate::report::EvalConfig::new("species", run.predictions.clone()),
        )
        .unwrap();
        let accuracy = report
            .metrics
            .iter()
            .find(|m| m.name == "accuracy")
            .unwrap();
        assert_eq!(accuracy.estimate, crate::metrics::Metric::Value(1.0));
    }

    /// Without the model's class labels, the columns follow `lockstep predict`'s layout
    /// (`probabilities_<index>`) while the classes they stand for come from the label
    /// column, in scikit-learn's order.
    #[test]
    fn columns_follow_the_predict_layout_and_classes_come_from_the_label_column() {
        let (bytes, table) = iris_labelled(|label| format!("kind{label}"));
        let model = Model::from_bytes(&bytes).unwrap();
        let run = run_model(&model, None, &table, None, "species", &|| 0.0).unwrap();
        let Predictions::Probabilities(pairs) = &run.predictions else {
            panic!("{:?}", run.predictions);
        };
        let got: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| (p.class.as_str(), p.column.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("kind0", "probabilities_0"),
                ("kind1", "probabilities_1"),
                ("kind2", "probabilities_2")
            ]
        );
        let names = predict::column_names("probabilities", 3, None);
        assert_eq!(
            names,
            ["probabilities_0", "probabilities_1", "probabilities_2"]
        );
    }

    #[test]
    fn a_model_that_cannot_take_the_table_is_an_error() {
        let (bytes, table) = iris();
        let model = Model::from_bytes(&bytes).unwrap();
        // Naming another label leaves `species` among the inputs: five columns, not four.
        let err = run_model(&model, None, &table, None, "label", &|| 0.0).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot feed the data to the model: the model's input `input` takes 4 features per row"),
            "{err}"
        );
    }
}
