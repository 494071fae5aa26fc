//! What the model panel shows: an ONNX model's producer, opsets, inputs, outputs and
//! ops, and the first rows of its predictions on the loaded table.
//!
//! Plain functions over `lockstep-core` types, tested natively; errors come back as
//! the core's message, ready to show.

use lockstep_core::engine::Engine;
use lockstep_core::onnx::{DimInfo, Model, Tensor, ValueInfo};
use lockstep_core::predict::{self, OutputValues, output_columns};
use lockstep_core::table::Table;
use lockstep_core::transform::FittedPipeline;

/// Rows of predictions shown in the page.
pub const PREVIEW_ROWS: usize = 10;

/// A graph input or output.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRow {
    pub name: String,
    pub dtype: String,
    pub shape: String,
}

/// How many nodes run one op.
#[derive(Debug, Clone, PartialEq)]
pub struct OpCount {
    pub op_type: String,
    pub domain: String,
    pub count: usize,
}

/// Everything the page shows about a loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    pub producer: String,
    /// `domain version`, one per imported opset.
    pub opsets: Vec<String>,
    pub inputs: Vec<ValueRow>,
    pub outputs: Vec<ValueRow>,
    /// In order of first use.
    pub ops: Vec<OpCount>,
}

/// `[N, 30]`; free dimensions by name, or `?`.
pub fn format_shape(shape: Option<&[DimInfo]>) -> String {
    let Some(shape) = shape else {
        return "unknown rank".to_owned();
    };
    let dims: Vec<String> = shape
        .iter()
        .map(|d| match d {
            DimInfo::Fixed(n) => n.to_string(),
            DimInfo::Symbolic(name) => name.clone(),
            DimInfo::Unknown => "?".to_owned(),
        })
        .collect();
    format!("[{}]", dims.join(", "))
}

fn value_row(info: &ValueInfo) -> ValueRow {
    ValueRow {
        name: info.name.clone(),
        dtype: info
            .dtype
            .map_or_else(|| "not a tensor".to_owned(), |d| d.to_string()),
        shape: format_shape(info.shape.as_deref()),
    }
}

/// Loads a model from bytes; the error is the core's message.
pub fn load_model(bytes: &[u8]) -> Result<Model, String> {
    Model::from_bytes(bytes).map_err(|e| format!("cannot load the model: {e}"))
}

/// The model's metadata, inputs, outputs and op counts.
pub fn summarize(model: &Model) -> ModelSummary {
    let mut ops: Vec<OpCount> = Vec::new();
    for op in model.ops() {
        let domain = if op.domain.is_empty() {
            "ai.onnx"
        } else {
            op.domain.as_str()
        };
        match ops
            .iter_mut()
            .find(|c| c.op_type == op.op_type && c.domain == domain)
        {
            Some(count) => count.count += 1,
            None => ops.push(OpCount {
                op_type: op.op_type.clone(),
                domain: domain.to_owned(),
                count: 1,
            }),
        }
    }
    ModelSummary {
        producer: if model.producer().is_empty() {
            "unknown".to_owned()
        } else {
            model.producer().to_owned()
        },
        opsets: model
            .opsets()
            .iter()
            .map(|(domain, version)| format!("{domain} {version}"))
            .collect(),
        inputs: model.inputs().iter().map(value_row).collect(),
        outputs: model.outputs().iter().map(value_row).collect(),
        ops,
    }
}

/// The model's input tensors, by the CLI's rule (`lockstep predict`): the pipeline's
/// feature matrix when there is a pipeline (the model must then take one input), else
/// the table's columns (see `lockstep_core::predict`).
pub fn build_inputs(
    engine: &dyn Engine,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
) -> Result<Vec<(String, Tensor)>, String> {
    predict::build_inputs(engine, table, pipeline).map_err(|e| e.to_string())
}

/// The first rows of a run's predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictionPreview {
    pub rows: usize,
    /// One per output column, by `lockstep_core::predict`'s layout (`label`,
    /// `probabilities_<class>`, …), as `lockstep predict` writes them.
    pub headers: Vec<String>,
    /// The first [`PREVIEW_ROWS`] rows; floats as the shortest text that reads back
    /// to the same value.
    pub first_rows: Vec<Vec<String>>,
    /// Building the inputs and running the model, in milliseconds.
    pub millis: f64,
    /// The tensors the model was fed (the Models cell's parity check runs them again on
    /// WebGPU).
    pub inputs: Vec<(String, Tensor)>,
}

fn value_text(values: &OutputValues, row: usize) -> String {
    let text = match values {
        OutputValues::F32(v) => v.get(row).map(f32::to_string),
        OutputValues::F64(v) => v.get(row).map(f64::to_string),
        OutputValues::I64(v) => v.get(row).map(i64::to_string),
        OutputValues::Str(v) => v.get(row).cloned(),
    };
    text.unwrap_or_default()
}

/// Runs the model on `engine` over `table` (through `pipeline` when given);
/// `class_labels` are the classifier's labels (they name the probability columns);
/// `now` reads a clock in milliseconds.
pub fn predict(
    engine: &dyn Engine,
    class_labels: Option<&[String]>,
    table: &Table,
    pipeline: Option<&FittedPipeline>,
    now: &dyn Fn() -> f64,
) -> Result<PredictionPreview, String> {
    let start = now();
    let inputs = build_inputs(engine, table, pipeline)?;
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let outputs = engine
        .run(&refs)
        .map_err(|e| format!("the model failed: {e}"))?;
    let millis = now() - start;
    let columns =
        output_columns(&outputs, table.num_rows(), class_labels).map_err(|e| e.to_string())?;
    let first_rows = (0..columns.rows.min(PREVIEW_ROWS))
        .map(|row| {
            columns
                .columns
                .iter()
                .map(|(_, values)| value_text(values, row))
                .collect()
        })
        .collect();
    Ok(PredictionPreview {
        rows: columns.rows,
        headers: columns.columns.iter().map(|(n, _)| n.clone()).collect(),
        first_rows,
        millis,
        inputs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_core::table::CsvOptions;
    use lockstep_core::transform;
    use serde_json::Value;

    fn fixture(name: &str) -> (Vec<u8>, Value) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/onnx/");
        let model = std::fs::read(format!("{dir}{name}.onnx")).unwrap();
        let json = std::fs::read_to_string(format!("{dir}{name}.json")).unwrap();
        (model, serde_json::from_str(&json).unwrap())
    }

    /// The fixture's single `[rows, k]` input as a CSV with columns `f0…`.
    fn input_csv(fixture: &Value) -> String {
        let input = &fixture["inputs"][0];
        let width = input["shape"][1].as_u64().unwrap() as usize;
        let data = input["data"].as_array().unwrap();
        let header: Vec<String> = (0..width).map(|j| format!("f{j}")).collect();
        let mut csv = header.join(",") + "\n";
        for row in data.chunks(width) {
            let fields: Vec<String> = row.iter().map(Value::to_string).collect();
            csv.push_str(&fields.join(","));
            csv.push('\n');
        }
        csv
    }

    #[test]
    fn predictions_match_onnx_runtime() {
        let (bytes, fixture) = fixture("logreg_binary_breast_cancer");
        let table =
            Table::from_csv(input_csv(&fixture).as_bytes(), &CsvOptions::default()).unwrap();
        let model = load_model(&bytes).unwrap();
        let preview = predict(&model, None, &table, None, &|| 0.0).unwrap();
        let rows = fixture["inputs"][0]["shape"][0].as_u64().unwrap() as usize;
        assert_eq!(preview.rows, rows);
        assert_eq!(preview.first_rows.len(), PREVIEW_ROWS.min(rows));
        let mut column = 0;
        for output in fixture["outputs"].as_array().unwrap() {
            let shape = output["shape"].as_array().unwrap();
            let width = shape.get(1).and_then(Value::as_u64).unwrap_or(1) as usize;
            let data = output["data"].as_array().unwrap();
            for j in 0..width {
                for (r, shown) in preview.first_rows.iter().enumerate() {
                    let expected = data[r * width + j].as_f64().unwrap();
                    let shown: f64 = shown[column + j].parse().unwrap();
                    assert!(
                        (shown - expected).abs() <= 1e-6,
                        "{} row {r}: {shown} vs {expected}",
                        preview.headers[column + j]
                    );
                }
            }
            column += width;
        }
        assert_eq!(column, preview.headers.len());
    }

    #[test]
    fn the_summary_counts_ops_per_type() {
        let (bytes, fixture) = fixture("logreg_binary_breast_cancer");
        let model = load_model(&bytes).unwrap();
        let summary = summarize(&model);
        let mut listed: Vec<String> = summary
            .ops
            .iter()
            .map(|o| format!("{}:{}", o.domain, o.op_type))
            .collect();
        listed.sort();
        let mut expected: Vec<String> = fixture["ops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_owned())
            .collect();
        expected.sort();
        assert_eq!(listed, expected);
        assert_eq!(
            summary.ops.iter().map(|o| o.count).sum::<usize>(),
            model.ops().count()
        );
        let names: Vec<&str> = summary.inputs.iter().map(|i| i.name.as_str()).collect();
        let expected: Vec<&str> = fixture["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, expected);
        assert!(!summary.opsets.is_empty());
    }

    #[test]
    fn errors_are_messages() {
        let err = load_model(b"not a model").unwrap_err();
        assert!(err.starts_with("cannot load the model:"), "{err}");
        let (bytes, _) = fixture("logreg_binary_breast_cancer");
        let model = load_model(&bytes).unwrap();
        let table = Table::from_csv(b"a,b\n1,2\n", &CsvOptions::default()).unwrap();
        let err = predict(&model, None, &table, None, &|| 0.0).unwrap_err();
        assert!(err.contains("features per row"), "{err}");
        let spec = crate::view::pipeline::parse_spec("[[columns]]\nname = \"a\"\n").unwrap();
        let pipeline = transform::fit(&spec, &table).unwrap();
        let err = predict(&model, None, &table, Some(&pipeline), &|| 0.0).unwrap_err();
        assert!(err.starts_with("the model failed:"), "{err}");
    }

    #[test]
    fn shapes_name_free_dimensions() {
        let shape = [
            DimInfo::Symbolic("N".into()),
            DimInfo::Fixed(30),
            DimInfo::Unknown,
        ];
        assert_eq!(format_shape(Some(&shape)), "[N, 30, ?]");
        assert_eq!(format_shape(None), "unknown rank");
    }
}
