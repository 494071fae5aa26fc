//! Shared helpers for Lockstep's workspace-level integration tests.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

/// `tests/data/<relative>`.
pub fn data_path(relative: &str) -> PathBuf {
    repo_root().join("tests").join("data").join(relative)
}

/// ONNX Runtime's library: `$ORT_DYLIB_PATH`, else the onnxruntime wheel in the repo's
/// `.venv` (installed by scripts/setup.sh). Loads it once for the test process.
pub fn init_ort() {
    let library = std::env::var_os(lockstep_serve::ort_engine::ORT_LIB_ENV)
        .map(PathBuf::from)
        .or_else(|| lockstep_serve::ort_engine::find_in_venv(&repo_root()));
    let Some(library) = library else {
        panic!(
            "ONNX Runtime's library was not found: run scripts/setup.sh (it installs the \
             onnxruntime wheel into .venv) or set ORT_DYLIB_PATH"
        );
    };
    if let Err(err) = lockstep_serve::ort_engine::init(Some(&library)) {
        panic!("{err}");
    }
}
