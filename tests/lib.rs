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
