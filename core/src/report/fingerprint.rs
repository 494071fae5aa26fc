//! Fingerprints of what was evaluated: the sha256 of the data's and the model's bytes,
//! and the fitted pipeline's own fingerprint ([`FittedPipeline::fingerprint`], the one
//! `lockstep serve` writes into its prediction log and `lockstep skew` checks), so a
//! report can be matched to the served logs it belongs to.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::fingerprint::sha256_hex;
use crate::transform::FittedPipeline;

/// Lowercase hex sha256 digests; `None` where the caller gave nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Fingerprints {
    pub data_sha256: Option<String>,
    pub model_sha256: Option<String>,
    pub pipeline_sha256: Option<String>,
}

/// Why a fingerprint was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("fingerprint `{field}` = `{value}` is not a sha256 digest (64 hex digits)")]
pub struct FingerprintError {
    pub field: &'static str,
    pub value: String,
}

impl Fingerprints {
    /// Fingerprints whichever inputs are given: the data and model bytes are hashed,
    /// the pipeline gives its own [`FittedPipeline::fingerprint`].
    pub fn of(
        data: Option<&[u8]>,
        model: Option<&[u8]>,
        pipeline: Option<&FittedPipeline>,
    ) -> Self {
        Self {
            data_sha256: data.map(sha256_hex),
            model_sha256: model.map(sha256_hex),
            pipeline_sha256: pipeline.map(|p| p.fingerprint().to_owned()),
        }
    }

    /// Checks that every digest given is 64 hex digits, and lowercases it.
    pub fn normalized(&self) -> Result<Self, FingerprintError> {
        let check = |field: &'static str,
                     value: &Option<String>|
         -> Result<Option<String>, FingerprintError> {
            match value {
                None => Ok(None),
                Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    Ok(Some(v.to_ascii_lowercase()))
                }
                Some(v) => Err(FingerprintError {
                    field,
                    value: v.clone(),
                }),
            }
        };
        Ok(Self {
            data_sha256: check("data_sha256", &self.data_sha256)?,
            model_sha256: check("model_sha256", &self.model_sha256)?,
            pipeline_sha256: check("pipeline_sha256", &self.pipeline_sha256)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_checked_and_lowercased() {
        let upper = sha256_hex(b"abc").to_ascii_uppercase();
        let given = Fingerprints {
            model_sha256: Some(upper),
            ..Fingerprints::default()
        };
        assert_eq!(
            given.normalized().unwrap().model_sha256.as_deref(),
            Some(sha256_hex(b"abc").as_str())
        );
        let bad = Fingerprints {
            data_sha256: Some("abc".into()),
            ..Fingerprints::default()
        };
        assert_eq!(
            bad.normalized().unwrap_err().to_string(),
            "fingerprint `data_sha256` = `abc` is not a sha256 digest (64 hex digits)"
        );
        let from = Fingerprints::of(Some(b"abc"), None, None);
        assert_eq!(
            from.data_sha256.as_deref(),
            Some(sha256_hex(b"abc").as_str())
        );
        assert_eq!(from.model_sha256, None);
        assert_eq!(from.pipeline_sha256, None);
    }
}
