//! [`FeatureMatrix`]: what `apply` returns.

use serde::{Deserialize, Serialize};

use super::fingerprint::sha256_hex;

/// A dense `f32` matrix, row-major, with one name per column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMatrix {
    pub(crate) feature_names: Vec<String>,
    pub(crate) num_rows: usize,
    pub(crate) values: Vec<f32>,
    pub(crate) oov: Vec<OovCount>,
}

/// Categories of one encoded column (or cross) that were not in the training
/// vocabulary: input for the skew checker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OovCount {
    /// The block's output name: the column's (or its `output`), or the cross's.
    pub column: String,
    /// Rows holding a category not seen in training.
    pub rows: u64,
    /// Distinct unseen categories.
    pub distinct: usize,
    /// Up to [`OOV_EXAMPLES`] of them, sorted.
    pub examples: Vec<String>,
}

/// How many unseen categories [`OovCount::examples`] keeps.
pub const OOV_EXAMPLES: usize = 10;

impl FeatureMatrix {
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// All values, row after row.
    /// The values, row-major, without copying them.
    pub fn into_values(self) -> Vec<f32> {
        self.values
    }

    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Row `row` (`None` past the end).
    pub fn row(&self, row: usize) -> Option<&[f32]> {
        let width = self.num_features();
        let start = row.checked_mul(width)?;
        self.values.get(start..start.checked_add(width)?)
    }

    /// One value (`None` out of range).
    pub fn get(&self, row: usize, feature: usize) -> Option<f32> {
        if feature >= self.num_features() {
            return None;
        }
        self.row(row)?.get(feature).copied()
    }

    /// Per encoded column (one_hot and ordinal, in output order): the unseen
    /// categories.
    pub fn oov(&self) -> &[OovCount] {
        &self.oov
    }

    /// The values as little-endian `f32` bytes, row-major.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        self.values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// sha256 (hex) of [`FeatureMatrix::to_le_bytes`]: equal on every platform for
    /// the same pipeline and table.
    pub fn sha256_hex(&self) -> String {
        sha256_hex(&self.to_le_bytes())
    }
}
