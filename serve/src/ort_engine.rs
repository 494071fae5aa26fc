//! ONNX Runtime, the reference engine: loaded at run time from the shared library in
//! the `onnxruntime` wheel, and spoken to in `lockstep-core`'s [`Tensor`] type so its
//! outputs compare directly with the core engine's.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use lockstep_core::onnx::{Tensor, TensorData};
use ort::session::Session;
use ort::value::{DynValue, TensorElementType, ValueType};

/// The environment variable naming ONNX Runtime's library (the `ort` crate's own).
pub const ORT_LIB_ENV: &str = "ORT_DYLIB_PATH";

/// What went wrong with ONNX Runtime. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum OrtError {
    #[error(
        "ONNX Runtime's library was not found: set {ORT_LIB_ENV} or pass --ort-lib with the path \
         of libonnxruntime.so (scripts/setup.sh installs it into .venv from the onnxruntime wheel)"
    )]
    LibraryNotFound,
    #[error("cannot load ONNX Runtime from `{}`: {message}", path.display())]
    Load { path: PathBuf, message: String },
    #[error("ONNX Runtime was already initialised from `{}`; cannot switch to `{}`", loaded.display(), requested.display())]
    AlreadyLoaded { loaded: PathBuf, requested: PathBuf },
    #[error("ONNX Runtime rejected the model: {0}")]
    Session(String),
    #[error("ONNX Runtime failed to run the model: {0}")]
    Run(String),
    #[error("output `{name}` has element type {ty:?}, which Lockstep does not read")]
    UnsupportedOutput { name: String, ty: String },
    #[error("input `{name}`: {message}")]
    Input { name: String, message: String },
}

struct Loaded {
    path: PathBuf,
    environment: ort::environment::Environment,
}

static RUNTIME: OnceLock<Result<Loaded, String>> = OnceLock::new();

/// Finds ONNX Runtime's library: `explicit`, else `$ORT_DYLIB_PATH`, else the
/// `onnxruntime` wheel inside `.venv` under the current folder or the binary's repo.
pub fn find_library(explicit: Option<&Path>) -> Result<PathBuf, OrtError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os(ORT_LIB_ENV) {
        return Ok(PathBuf::from(path));
    }
    let mut roots = vec![PathBuf::from(".")];
    if let Ok(exe) = std::env::current_exe() {
        // target/{debug,release}/lockstep → the repository root.
        roots.extend(exe.ancestors().nth(3).map(Path::to_path_buf));
    }
    if let Some(found) = roots.iter().find_map(|root| find_in_venv(root)) {
        return Ok(found);
    }
    Err(OrtError::LibraryNotFound)
}

/// ONNX Runtime's library inside `<root>/.venv` (the `onnxruntime` wheel), if there.
pub fn find_in_venv(root: &Path) -> Option<PathBuf> {
    let lib = std::fs::read_dir(root.join(".venv/lib")).ok()?;
    lib.flatten().find_map(|python| {
        let capi = python.path().join("site-packages/onnxruntime/capi");
        std::fs::read_dir(capi)
            .ok()?
            .flatten()
            .map(|f| f.path())
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("libonnxruntime.so"))
            })
    })
}

/// Loads ONNX Runtime once per process (later calls must name the same library).
pub fn init(library: Option<&Path>) -> Result<(), OrtError> {
    let path = find_library(library)?;
    let loaded = RUNTIME.get_or_init(|| {
        let builder = ort::init_from(&path).map_err(|e| e.to_string())?;
        let environment = builder
            .with_name("lockstep")
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Loaded {
            path: path.clone(),
            environment,
        })
    });
    match loaded {
        Ok(l) if l.path == path => Ok(()),
        Ok(l) => Err(OrtError::AlreadyLoaded {
            loaded: l.path.clone(),
            requested: path,
        }),
        Err(message) => Err(OrtError::Load {
            path,
            message: message.clone(),
        }),
    }
}

fn environment() -> Result<&'static ort::environment::Environment, OrtError> {
    match RUNTIME.get() {
        Some(Ok(loaded)) => Ok(&loaded.environment),
        Some(Err(message)) => Err(OrtError::Load {
            path: PathBuf::new(),
            message: message.clone(),
        }),
        None => Err(OrtError::LibraryNotFound),
    }
}

/// A model loaded into ONNX Runtime. `run` takes `&self`: ONNX Runtime sessions need
/// exclusive access, so calls are serialised by a mutex (the server keeps one model
/// per worker for concurrency).
pub struct OrtModel {
    session: Mutex<Session>,
    inputs: Vec<String>,
    outputs: Vec<String>,
}

impl OrtModel {
    /// Builds a session from model bytes; `threads` sets ONNX Runtime's intra-op pool
    /// (1 for a single-threaded comparison).
    pub fn from_bytes(bytes: &[u8], threads: usize) -> Result<Self, OrtError> {
        let session_error = |e: ort::Error| OrtError::Session(e.to_string());
        let mut builder = Session::builder(environment()?).map_err(session_error)?;
        builder = builder
            .with_intra_threads(threads.max(1))
            .map_err(|e| OrtError::Session(e.to_string()))?;
        let session = builder.commit_from_memory(bytes).map_err(session_error)?;
        let inputs = session
            .inputs()
            .iter()
            .map(|o| o.name().to_owned())
            .collect();
        let outputs = session
            .outputs()
            .iter()
            .map(|o| o.name().to_owned())
            .collect();
        Ok(Self {
            session: Mutex::new(session),
            inputs,
            outputs,
        })
    }

    pub fn input_names(&self) -> &[String] {
        &self.inputs
    }

    pub fn output_names(&self) -> &[String] {
        &self.outputs
    }

    /// Runs the model on named inputs and returns every output, in the model's order.
    pub fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, OrtError> {
        let values = inputs
            .iter()
            .map(|(name, tensor)| Ok(((*name).to_owned(), to_ort(name, tensor)?)))
            .collect::<Result<Vec<(String, DynValue)>, OrtError>>()?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| OrtError::Run("a previous run panicked".to_owned()))?;
        let outputs = session
            .run(values)
            .map_err(|e| OrtError::Run(e.to_string()))?;
        self.outputs
            .iter()
            .map(|name| {
                let value = outputs
                    .get(name.as_str())
                    .ok_or_else(|| OrtError::Run(format!("output `{name}` is missing")))?;
                Ok((name.clone(), from_ort(name, value)?))
            })
            .collect()
    }
}

fn to_ort(name: &str, tensor: &Tensor) -> Result<DynValue, OrtError> {
    let shape: Vec<i64> = tensor.shape().iter().map(|&d| d as i64).collect();
    let input_error = |e: ort::Error| OrtError::Input {
        name: name.to_owned(),
        message: e.to_string(),
    };
    Ok(match tensor.data() {
        TensorData::F32(v) => ort::value::Tensor::from_array((shape, v.clone()))
            .map_err(input_error)?
            .into_dyn(),
        TensorData::F64(v) => ort::value::Tensor::from_array((shape, v.clone()))
            .map_err(input_error)?
            .into_dyn(),
        TensorData::I64(v) => ort::value::Tensor::from_array((shape, v.clone()))
            .map_err(input_error)?
            .into_dyn(),
        TensorData::Str(v) => ort::value::Tensor::from_string_array((shape, v.as_slice()))
            .map_err(input_error)?
            .into_dyn(),
    })
}

fn from_ort(name: &str, value: &DynValue) -> Result<Tensor, OrtError> {
    let run_error = |e: ort::Error| OrtError::Run(format!("output `{name}`: {e}"));
    let ValueType::Tensor { ty, .. } = value.dtype() else {
        return Err(OrtError::UnsupportedOutput {
            name: name.to_owned(),
            ty: format!("{:?}", value.dtype()),
        });
    };
    let dims = |shape: &[i64]| shape.iter().map(|&d| d.max(0) as usize).collect::<Vec<_>>();
    let tensor = match ty {
        TensorElementType::Float32 => {
            let (shape, data) = value.try_extract_tensor::<f32>().map_err(run_error)?;
            Tensor::f32(dims(shape), data.to_vec())
        }
        TensorElementType::Float64 => {
            let (shape, data) = value.try_extract_tensor::<f64>().map_err(run_error)?;
            Tensor::f64(dims(shape), data.to_vec())
        }
        TensorElementType::Int64 => {
            let (shape, data) = value.try_extract_tensor::<i64>().map_err(run_error)?;
            Tensor::i64(dims(shape), data.to_vec())
        }
        TensorElementType::Int32 => {
            let (shape, data) = value.try_extract_tensor::<i32>().map_err(run_error)?;
            Tensor::i64(dims(shape), data.iter().map(|&x| i64::from(x)).collect())
        }
        TensorElementType::String => {
            let (shape, data) = value.try_extract_strings().map_err(run_error)?;
            Tensor::strings(dims(shape), data)
        }
        other => {
            return Err(OrtError::UnsupportedOutput {
                name: name.to_owned(),
                ty: format!("{other:?}"),
            });
        }
    };
    tensor.map_err(|e| OrtError::Run(format!("output `{name}`: {e}")))
}
