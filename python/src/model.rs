//! `lockstep.Model`: an ONNX model run by lockstep-core's engine (`core`, the code the
//! browser runs), through core's `Engine` seam — as `lockstep predict` runs it.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float32Type, Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, Float32Array, Float64Array, Int64Array, StringArray};
use arrow_pyarrow::{FromPyArrow, ToPyArrow};
use arrow_schema::{DataType as ArrowType, Field, Schema};
use lockstep_core::engine::{self, Engine};
use lockstep_core::onnx::{self, Tensor, TensorData};
use lockstep_core::predict::{self, OutputValues};
use lockstep_core::report::sha256_hex;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::pipeline::Pipeline;
use crate::{arrow, errors};

/// One model input for Python: (name, element type, shape with `None` for free dims).
type InputInfo = (String, Option<String>, Option<Vec<Option<usize>>>);

/// An ONNX model (scikit-learn, XGBoost, LightGBM, PyTorch MLP exports) on core's engine.
#[pyclass(module = "lockstep._lockstep", frozen)]
pub struct Model {
    pub engine: Arc<onnx::ParallelModel>,
    pub class_labels: Option<Vec<String>>,
    pub fingerprint: String,
    pub bytes: Vec<u8>,
}

#[pymethods]
impl Model {
    /// Loads a model from its bytes; `threads` (default: the available cores) split the
    /// rows, with the same outputs bit for bit.
    #[new]
    #[pyo3(signature = (onnx_bytes, threads = None))]
    fn new(py: Python<'_>, onnx_bytes: &[u8], threads: Option<usize>) -> PyResult<Self> {
        let threads = threads
            .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
            .unwrap_or(1);
        let model = py
            .detach(|| onnx::Model::from_bytes(onnx_bytes))
            .map_err(errors::model)?;
        Ok(Self {
            engine: Arc::new(onnx::ParallelModel::new(model, threads)),
            class_labels: onnx::class_labels(onnx_bytes),
            fingerprint: sha256_hex(onnx_bytes),
            bytes: onnx_bytes.to_vec(),
        })
    }

    /// Runs the model.
    ///
    /// * a table (pyarrow, pandas, polars…), through `pipeline` when given: returns a
    ///   pyarrow table with `lockstep predict`'s columns (`label`, `probabilities_<class>`…);
    /// * a dict of numpy arrays by input name, or one array for a one-input model:
    ///   returns a dict of numpy arrays by output name.
    #[pyo3(signature = (data, pipeline = None))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        pipeline: Option<&Pipeline>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine: &dyn Engine = self.engine.as_ref();
        let arrays: Option<Vec<(String, Tensor)>> = if let Ok(dict) = data.cast::<PyDict>() {
            Some(
                dict.iter()
                    .map(|(k, v)| Ok((k.extract::<String>()?, tensor_from_numpy(&v)?)))
                    .collect::<PyResult<_>>()?,
            )
        } else if data.hasattr("__array_interface__")? && !data.hasattr("__arrow_c_stream__")? {
            let [input] = engine.inputs() else {
                return Err(PyTypeError::new_err(format!(
                    "the model takes {} inputs ({}): give a dict of arrays by input name",
                    engine.inputs().len(),
                    engine
                        .inputs()
                        .iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            };
            Some(vec![(input.name.clone(), tensor_from_numpy(data)?)])
        } else {
            None
        };
        if let Some(inputs) = arrays {
            let outputs = py
                .detach(|| engine::run_named(engine, &inputs))
                .map_err(errors::model)?;
            let out = PyDict::new(py);
            for (name, tensor) in outputs {
                out.set_item(name, tensor_to_numpy(py, tensor)?)?;
            }
            return Ok(out.into_any());
        }
        let table = arrow::table_from_py(data)?;
        let pipeline = pipeline.map(|p| Arc::clone(&p.inner));
        let labels = self.class_labels.as_deref();
        let columns = py
            .detach(|| {
                let inputs = predict::build_inputs(engine, &table, pipeline.as_deref())
                    .map_err(errors::model_msg)?;
                let outputs = engine::run_named(engine, &inputs).map_err(errors::model_msg)?;
                predict::output_columns(&outputs, table.num_rows(), labels)
                    .map_err(errors::model_msg)
            })
            .map_err(errors::model)?;
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for (name, values) in columns.columns {
            let array: ArrayRef = match values {
                OutputValues::F32(v) => Arc::new(Float32Array::from(v)),
                OutputValues::F64(v) => Arc::new(Float64Array::from(v)),
                OutputValues::I64(v) => Arc::new(Int64Array::from(v)),
                OutputValues::Str(v) => Arc::new(StringArray::from(v)),
            };
            fields.push(Field::new(name, array.data_type().clone(), false));
            arrays.push(array);
        }
        arrow::batch_to_table(py, Arc::new(Schema::new(fields)), arrays, columns.rows)
    }

    /// The model's inputs: (name, element type or None, shape with None for free dims).
    #[getter]
    fn inputs(&self) -> Vec<InputInfo> {
        self.engine
            .inputs()
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.dtype.map(|d| d.to_string()),
                    i.shape.as_ref().map(|s| {
                        s.iter()
                            .map(|d| match d {
                                onnx::DimInfo::Fixed(n) => Some(*n),
                                _ => None,
                            })
                            .collect()
                    }),
                )
            })
            .collect()
    }

    /// The classifier's class labels, when the model names them.
    #[getter]
    fn class_labels(&self) -> Option<Vec<String>> {
        self.class_labels.clone()
    }

    /// sha256 of the model's bytes (the fingerprint in reports and logs).
    #[getter]
    fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The engine's name: `core`.
    #[getter]
    fn engine(&self) -> &str {
        self.engine.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(fingerprint='{}', inputs={:?}, engine='{}')",
            self.fingerprint,
            self.engine
                .inputs()
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>(),
            self.engine.name()
        )
    }
}

/// A numpy array (any shape) as a tensor: float32, float64, int64 or strings; other
/// integer and float widths are widened by numpy first.
fn tensor_from_numpy(array: &Bound<'_, PyAny>) -> PyResult<Tensor> {
    let py = array.py();
    let np = py.import("numpy")?;
    let array = np.call_method1("asarray", (array,))?;
    let shape: Vec<usize> = array.getattr("shape")?.extract()?;
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    let itemsize: usize = array.getattr("dtype")?.getattr("itemsize")?.extract()?;
    let array = match (kind.as_str(), itemsize) {
        ("f", 4) | ("f", 8) | ("i", 8) | ("U", _) | ("O", _) => array,
        ("f", _) => array.call_method1("astype", ("float32",))?,
        ("i", _) | ("u", _) | ("b", _) => array.call_method1("astype", ("int64",))?,
        _ => {
            return Err(PyTypeError::new_err(format!(
                "cannot feed a numpy array of dtype {} to a model (float32, float64, integers or strings)",
                array.getattr("dtype")?.str()?
            )));
        }
    };
    let flat = py
        .import("pyarrow")?
        .call_method1("array", (array.call_method1("reshape", (-1,))?,))?;
    let data = arrow_array::make_array(arrow_data::ArrayData::from_pyarrow_bound(&flat)?);
    let tensor = match data.data_type() {
        ArrowType::Float32 => {
            Tensor::f32(shape, data.as_primitive::<Float32Type>().values().to_vec())
        }
        ArrowType::Float64 => {
            Tensor::f64(shape, data.as_primitive::<Float64Type>().values().to_vec())
        }
        ArrowType::Int64 => Tensor::i64(shape, data.as_primitive::<Int64Type>().values().to_vec()),
        ArrowType::Utf8 => {
            let s = data.as_string::<i32>();
            Tensor::strings(shape, (0..s.len()).map(|i| s.value(i).to_owned()).collect())
        }
        ArrowType::LargeUtf8 => {
            let s = data.as_string::<i64>();
            Tensor::strings(shape, (0..s.len()).map(|i| s.value(i).to_owned()).collect())
        }
        other => {
            return Err(PyTypeError::new_err(format!(
                "cannot feed an array of type {other} to a model"
            )));
        }
    };
    tensor.map_err(errors::model)
}

/// A tensor as a numpy array of its shape (numeric ones view Arrow's buffer, no copy).
fn tensor_to_numpy<'py>(py: Python<'py>, tensor: Tensor) -> PyResult<Bound<'py, PyAny>> {
    let shape = tensor.shape().to_vec();
    let (array, zero_copy): (ArrayRef, bool) = match tensor.into_data() {
        TensorData::F32(v) => (Arc::new(Float32Array::from(v)), true),
        TensorData::F64(v) => (Arc::new(Float64Array::from(v)), true),
        TensorData::I64(v) => (Arc::new(Int64Array::from(v)), true),
        TensorData::Str(v) => (Arc::new(StringArray::from(v)), false),
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("zero_copy_only", zero_copy)?;
    array
        .to_data()
        .to_pyarrow(py)?
        .call_method("to_numpy", (), Some(&kwargs))?
        .call_method1("reshape", (PyList::new(py, shape)?.to_tuple(),))
}
