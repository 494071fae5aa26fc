//! The blessing: a small JSON record binding the model, pipeline and data
//! fingerprints to the gate's verdict. A deploy step ([`verify`], `lockstep gate
//! --verify`) and `lockstep serve --require-blessing` compare the artefacts they
//! are about to ship with it, byte for byte (sha256 of the files).

use serde::{Deserialize, Serialize};

use super::{GateReport, Status};
use crate::fingerprint::sha256_hex;

/// The blessing format's version.
pub const BLESSING_VERSION: &str = "1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blessing {
    pub blessing_version: String,
    pub gate: Option<String>,
    pub verdict: Status,
    /// sha256 of the model file's bytes.
    pub model_sha256: String,
    /// sha256 of the pipeline file's bytes (`None`: the model was gated without one).
    pub pipeline_file_sha256: Option<String>,
    /// The fitted pipeline's canonical fingerprint (as in logs and reports).
    pub pipeline_sha256: Option<String>,
    pub data_sha256: Option<String>,
    pub gate_config_sha256: Option<String>,
    /// sha256 of the gate report's JSON.
    pub report_sha256: String,
    pub code_version: Option<String>,
    pub lockstep_version: String,
}

/// Why artefacts do not match a blessing (or the blessing is unusable).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BlessingError {
    #[error("the blessing cannot be read: {0}")]
    Unreadable(String),
    #[error("blessing version `{found}` is not supported (expected `{BLESSING_VERSION}`)")]
    Version { found: String },
    #[error("the gate's verdict was FAIL: nothing was blessed")]
    NotPassed,
    #[error("the model is not the one that passed the gate (sha256 {actual}, blessed {expected})")]
    ModelMismatch { expected: String, actual: String },
    #[error(
        "the pipeline is not the one that passed the gate (file sha256 {actual}, blessed {expected})"
    )]
    PipelineMismatch { expected: String, actual: String },
    #[error("the blessing binds a pipeline (file sha256 {expected}) but none was given")]
    PipelineMissing { expected: String },
    #[error("a pipeline was given but the blessing was for the model alone")]
    PipelineNotBlessed,
    #[error("the gate report cannot be encoded: {0}")]
    Encode(String),
}

impl Blessing {
    /// The blessing of `report` (its provenance must carry the model's fingerprint).
    pub fn new(report: &GateReport) -> Result<Self, BlessingError> {
        let p = &report.provenance;
        let model = p
            .model_sha256
            .clone()
            .ok_or_else(|| BlessingError::Encode("no model fingerprint to bless".to_owned()))?;
        let json =
            serde_json::to_string(report).map_err(|e| BlessingError::Encode(e.to_string()))?;
        Ok(Self {
            blessing_version: BLESSING_VERSION.to_owned(),
            gate: report.name.clone(),
            verdict: report.verdict,
            model_sha256: model,
            pipeline_file_sha256: p.pipeline_file_sha256.clone(),
            pipeline_sha256: p.pipeline_sha256.clone(),
            data_sha256: p.data_sha256.clone(),
            gate_config_sha256: p.gate_config_sha256.clone(),
            report_sha256: sha256_hex(json.as_bytes()),
            code_version: p.code_version.clone(),
            lockstep_version: p.lockstep_version.clone(),
        })
    }

    pub fn from_json(text: &str) -> Result<Self, BlessingError> {
        let b: Blessing =
            serde_json::from_str(text).map_err(|e| BlessingError::Unreadable(e.to_string()))?;
        if b.blessing_version != BLESSING_VERSION {
            return Err(BlessingError::Version {
                found: b.blessing_version,
            });
        }
        Ok(b)
    }

    pub fn to_json(&self) -> Result<String, BlessingError> {
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| BlessingError::Encode(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }
}

/// Checks that `model` and `pipeline` (file bytes) are the artefacts `blessing`
/// binds, and that the gate did not fail.
pub fn verify(
    blessing: &Blessing,
    model: &[u8],
    pipeline: Option<&[u8]>,
) -> Result<(), BlessingError> {
    if blessing.verdict == Status::Fail {
        return Err(BlessingError::NotPassed);
    }
    let actual = sha256_hex(model);
    if actual != blessing.model_sha256 {
        return Err(BlessingError::ModelMismatch {
            expected: blessing.model_sha256.clone(),
            actual,
        });
    }
    match (&blessing.pipeline_file_sha256, pipeline) {
        (Some(expected), Some(bytes)) => {
            let actual = sha256_hex(bytes);
            if actual != *expected {
                return Err(BlessingError::PipelineMismatch {
                    expected: expected.clone(),
                    actual,
                });
            }
        }
        (Some(expected), None) => {
            return Err(BlessingError::PipelineMissing {
                expected: expected.clone(),
            });
        }
        (None, Some(_)) => return Err(BlessingError::PipelineNotBlessed),
        (None, None) => {}
    }
    Ok(())
}
