//! ONNX Runtime, the reference engine (`onnxruntime`): loaded at run time from the
//! shared library in the `onnxruntime` wheel, and spoken to in `lockstep-core`'s
//! [`Tensor`] type so its outputs compare directly with the core engine's.
//!
//! [`OrtEngine`] is the one ONNX Runtime engine: a pool of sessions behind
//! `lockstep_core::engine::Engine`. `lockstep predict` / `parity` / `eval` use a pool of
//! one session with several intra-op threads; `lockstep serve` and `lockstep skew` use
//! one single-threaded session per worker, so concurrent calls do not wait for each
//! other.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock, TryLockError};

use lockstep_core::engine::{Engine, EngineError, ONNXRUNTIME};
use lockstep_core::onnx::{DType, DimInfo, Tensor, TensorData, ValueInfo};
use ort::session::Session;
use ort::value::{DynValue, Outlet, TensorElementType, ValueType};

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
    #[error("the model was refused before loading it into ONNX Runtime: {0}")]
    Refused(#[from] crate::ort_preflight::PreflightError),
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

/// A model loaded into ONNX Runtime: a pool of sessions. `run` takes `&self`: an ONNX
/// Runtime session needs exclusive access, so a call takes a free session of the pool
/// (or, when all are busy, waits for the next one in turn).
pub struct OrtEngine {
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    inputs: Vec<ValueInfo>,
    outputs: Vec<String>,
}

impl OrtEngine {
    /// One session with `threads` intra-op threads (1 for a single-threaded
    /// comparison): the CLI's engine.
    pub fn from_bytes(bytes: &[u8], threads: usize) -> Result<Self, OrtError> {
        Self::pool(bytes, 1, threads)
    }

    /// `sessions` sessions (at least 1) of `threads` intra-op threads each: the server
    /// and `lockstep skew` use one single-threaded session per worker.
    ///
    /// The model is checked first ([`crate::ort_preflight`]: node count, nesting, stored
    /// tensor sizes, external data), so a hostile or huge model is a named error rather
    /// than gigabytes of memory inside ONNX Runtime.
    pub fn pool(bytes: &[u8], sessions: usize, threads: usize) -> Result<Self, OrtError> {
        crate::ort_preflight::check(bytes, &crate::ort_preflight::ModelLimits::default())?;
        let sessions = (0..sessions.max(1))
            .map(|_| session(bytes, threads))
            .collect::<Result<Vec<_>, _>>()?;
        let first = sessions
            .first()
            .ok_or_else(|| OrtError::Session("the pool has no session".to_owned()))?;
        let inputs = first.inputs().iter().map(value_info).collect();
        let outputs = first
            .outputs()
            .iter()
            .map(|o| o.name().to_owned())
            .collect();
        Ok(Self {
            sessions: sessions.into_iter().map(Mutex::new).collect(),
            next: AtomicUsize::new(0),
            inputs,
            outputs,
        })
    }

    /// Sessions in the pool.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    pub fn input_names(&self) -> Vec<&str> {
        self.inputs.iter().map(|i| i.name.as_str()).collect()
    }

    pub fn output_names(&self) -> &[String] {
        &self.outputs
    }

    /// Runs the model on named inputs and returns every output, in the model's order
    /// (ONNX Runtime's own error; [`Engine::run`] wraps it).
    pub fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, OrtError> {
        self.run_on(inputs, self.take_session()?)
    }

    /// [`OrtEngine::run`] on a session that is free now; `None` when every session is
    /// busy (the caller then runs it where it may wait).
    pub fn try_run(
        &self,
        inputs: &[(&str, &Tensor)],
    ) -> Option<Result<Vec<(String, Tensor)>, OrtError>> {
        match self.free_session() {
            Ok(Some(session)) => Some(self.run_on(inputs, session)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }

    fn run_on(
        &self,
        inputs: &[(&str, &Tensor)],
        mut session: std::sync::MutexGuard<'_, Session>,
    ) -> Result<Vec<(String, Tensor)>, OrtError> {
        let values = inputs
            .iter()
            .map(|(name, tensor)| Ok(((*name).to_owned(), to_ort(name, tensor)?)))
            .collect::<Result<Vec<(String, DynValue)>, OrtError>>()?;
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

    /// A free session, trying each once from the next in turn; when all are busy,
    /// waits for the next in turn.
    fn take_session(&self) -> Result<std::sync::MutexGuard<'_, Session>, OrtError> {
        let start = self.next.load(Ordering::Relaxed);
        match self.free_session()? {
            Some(guard) => Ok(guard),
            None => self.sessions[start % self.sessions.len()]
                .lock()
                .map_err(|_| poisoned()),
        }
    }

    /// A free session, trying each once from the next in turn; `None` when all are busy.
    fn free_session(&self) -> Result<Option<std::sync::MutexGuard<'_, Session>>, OrtError> {
        let count = self.sessions.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..count {
            match self.sessions[(start + k) % count].try_lock() {
                Ok(guard) => return Ok(Some(guard)),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Poisoned(_)) => return Err(poisoned()),
            }
        }
        Ok(None)
    }
}

/// ONNX Runtime behind the engine seam; its name is `onnxruntime`.
impl Engine for OrtEngine {
    fn name(&self) -> &str {
        ONNXRUNTIME
    }

    fn inputs(&self) -> &[ValueInfo] {
        &self.inputs
    }

    fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, EngineError> {
        OrtEngine::run(self, inputs).map_err(|e| EngineError::backend(ONNXRUNTIME, e))
    }

    fn try_run(
        &self,
        inputs: &[(&str, &Tensor)],
    ) -> Option<Result<Vec<(String, Tensor)>, EngineError>> {
        OrtEngine::try_run(self, inputs)
            .map(|r| r.map_err(|e| EngineError::backend(ONNXRUNTIME, e)))
    }
}

fn poisoned() -> OrtError {
    OrtError::Run("a previous run panicked".to_owned())
}

fn session(bytes: &[u8], threads: usize) -> Result<Session, OrtError> {
    let session_error = |e: ort::Error| OrtError::Session(e.to_string());
    Session::builder(environment()?)
        .map_err(session_error)?
        .with_intra_threads(threads.max(1))
        .map_err(|e| OrtError::Session(e.to_string()))?
        .commit_from_memory(bytes)
        .map_err(session_error)
}

/// An input as ONNX Runtime declares it, in core's terms (dynamic dimensions are -1,
/// named when the model names them).
fn value_info(outlet: &Outlet) -> ValueInfo {
    let (dtype, shape) = match outlet.dtype() {
        ValueType::Tensor {
            ty,
            shape,
            dimension_symbols,
        } => {
            let dtype = match ty {
                TensorElementType::Float32 => Some(DType::F32),
                TensorElementType::Float64 => Some(DType::F64),
                TensorElementType::Int64 => Some(DType::I64),
                TensorElementType::String => Some(DType::Str),
                _ => None,
            };
            let dims = shape
                .iter()
                .enumerate()
                .map(|(i, &d)| match usize::try_from(d) {
                    Ok(n) => DimInfo::Fixed(n),
                    Err(_) => match dimension_symbols.get(i).filter(|s| !s.is_empty()) {
                        Some(symbol) => DimInfo::Symbolic(symbol.clone()),
                        None => DimInfo::Unknown,
                    },
                })
                .collect();
            (dtype, Some(dims))
        }
        _ => (None, None),
    };
    ValueInfo {
        name: outlet.name().to_owned(),
        dtype,
        shape,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    /// `try_run` never waits: with every session held it answers `None`, and with one
    /// free it runs, as `run` does.
    #[test]
    fn try_run_answers_none_while_every_session_is_busy() {
        init(None).expect("ONNX Runtime's library (scripts/setup.sh installs it)");
        let bytes = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/serving/model.onnx"),
        )
        .unwrap();
        let engine = OrtEngine::pool(&bytes, 2, 1).unwrap();
        let width = match engine.inputs[0].shape.as_deref() {
            Some([_, lockstep_core::onnx::DimInfo::Fixed(w)]) => *w,
            other => panic!("unexpected input shape {other:?}"),
        };
        let x = Tensor::f32(vec![1, width], vec![0.5; width]).unwrap();
        let inputs = [(engine.inputs[0].name.as_str(), &x)];
        let want = engine.run(&inputs).unwrap();
        let first = engine.sessions[0].lock().unwrap();
        assert_eq!(engine.try_run(&inputs).unwrap().unwrap(), want);
        let second = engine.sessions[1].lock().unwrap();
        assert!(engine.try_run(&inputs).is_none());
        drop((first, second));
        assert_eq!(engine.try_run(&inputs).unwrap().unwrap(), want);
    }
}
