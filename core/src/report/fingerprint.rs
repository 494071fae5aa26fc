//! sha256 fingerprints of what was evaluated: data bytes, model bytes and the
//! pipeline's JSON. The caller hashes (or has hashed) the bytes; the report only
//! carries lowercase hex digests.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

/// The sha256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Fingerprints {
    /// Hashes whichever inputs are given.
    pub fn from_bytes(
        data: Option<&[u8]>,
        model: Option<&[u8]>,
        pipeline_json: Option<&str>,
    ) -> Self {
        Self {
            data_sha256: data.map(sha256_hex),
            model_sha256: model.map(sha256_hex),
            pipeline_sha256: pipeline_json.map(|j| sha256_hex(j.as_bytes())),
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
    fn sha256_matches_the_fips_180_2_vectors() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

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
        let from = Fingerprints::from_bytes(Some(b"abc"), None, Some(""));
        assert_eq!(
            from.pipeline_sha256.as_deref(),
            Some(sha256_hex(b"").as_str())
        );
        assert_eq!(from.model_sha256, None);
    }
}
