//! [`Findings`] as bytes, so that the per-batch replay can run in other processes or on
//! other machines (a Spark `mapInArrow` or Ray Data `map_batches` worker) and the
//! driver merge what they send back (docs/skew-ci.md, "How it scales past one machine").
//!
//! The encoding is JSON (UTF-8) with a format name and a version
//! ([`FINDINGS_FORMAT`], [`FINDINGS_VERSION`]): readable when something goes wrong, and
//! a reader refuses a version it does not know. Floating-point values travel as their IEEE
//! 754 bit patterns (`u64`), so a non-finite or subnormal difference comes back exactly;
//! maps are written sorted, so the same findings give the same bytes.
//!
//! Findings only make sense against the artefacts they were computed with, and the
//! training profile is not in them (it is broadcast once, not shipped with every
//! batch). The bytes therefore carry a stamp — the pipeline's and the model's
//! fingerprints, the engine names, the settings' fingerprint and the training profile's
//! shape (columns and bins) — and [`Replayer::findings_from_bytes`] refuses findings
//! stamped by other artefacts with a named error, before anything is merged.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::distribution::ServingAccumulator;
use super::replay::{Findings, Replayer};
use super::report::OutputParity;
use super::transform_parity::{FeatureParity, TransformParity};

/// The `format` field of serialised findings.
pub const FINDINGS_FORMAT: &str = "lockstep-skew-findings";
/// The version written; readers accept exactly the versions they know (1).
pub const FINDINGS_VERSION: u32 = 1;

/// Why serialised findings cannot be read or merged here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingsError {
    #[error("not serialised skew findings: {0}")]
    Malformed(String),
    #[error(
        "serialised skew findings of version {found}; this build reads version {FINDINGS_VERSION}"
    )]
    Version { found: u32 },
    #[error(
        "these findings were replayed with other artefacts: their {what} is `{theirs}`, this replayer's is `{mine}`"
    )]
    OtherArtefacts {
        what: &'static str,
        theirs: String,
        mine: String,
    },
}

/// What the findings were computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    pipeline: String,
    model: String,
    engines: Vec<String>,
    /// The tolerance and thresholds, as their debug text (they hold floats).
    settings: String,
    /// Per training column: its name and number of histogram bins (0: categorical).
    profile: Option<Vec<(String, usize)>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    version: u32,
    stamp: Stamp,
    rows: u64,
    pipelines: BTreeSet<String>,
    models: BTreeSet<String>,
    input_keys: BTreeSet<String>,
    transform: WireTransform,
    unseen: Vec<(String, u64, BTreeSet<String>)>,
    engines: Vec<(String, Vec<WireOutput>)>,
    offline: Vec<WireOutput>,
    offline_matched: u64,
    offline_unmatched: u64,
    distribution: Option<Vec<WireCounts>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireTransform {
    rows: u64,
    features: Vec<WireFeature>,
    missing_in_log: Vec<String>,
    extra_in_log: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireFeature {
    feature: String,
    mismatches: u64,
    max_abs_diff_bits: u64,
    example_ids: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireOutput {
    output: String,
    kind: String,
    values: u64,
    mismatches: u64,
    max_abs_diff_bits: u64,
    worst_ids: Vec<String>,
    incomparable: Option<String>,
}

/// One training column's serving counts (see `distribution::ServingCounts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireCounts {
    pub seen: bool,
    pub categories: BTreeMap<String, u64>,
    pub bins: Vec<u64>,
    pub non_numeric: u64,
    pub nulls: u64,
    pub rows: u64,
}

impl From<&OutputParity> for WireOutput {
    fn from(o: &OutputParity) -> Self {
        Self {
            output: o.output.clone(),
            kind: o.kind.clone(),
            values: o.values,
            mismatches: o.mismatches,
            max_abs_diff_bits: o.max_abs_diff.to_bits(),
            worst_ids: o.worst_ids.clone(),
            incomparable: o.incomparable.clone(),
        }
    }
}

impl From<WireOutput> for OutputParity {
    fn from(o: WireOutput) -> Self {
        Self {
            output: o.output,
            kind: o.kind,
            values: o.values,
            mismatches: o.mismatches,
            max_abs_diff: f64::from_bits(o.max_abs_diff_bits),
            worst_ids: o.worst_ids,
            incomparable: o.incomparable,
        }
    }
}

impl<'a> Replayer<'a> {
    fn stamp(&self) -> Stamp {
        Stamp {
            pipeline: self.pipeline.fingerprint().to_owned(),
            model: self.model_fingerprint.clone(),
            engines: self.engines.iter().map(|e| e.name().to_owned()).collect(),
            settings: format!("{:?} {:?}", self.tolerance, self.thresholds),
            profile: self.profile.map(|p| p.shape()),
        }
    }

    /// `findings` (replayed by this replayer) as bytes, for another process to
    /// [`findings_from_bytes`](Self::findings_from_bytes) and merge.
    pub fn findings_to_bytes(&self, findings: &Findings<'_>) -> Vec<u8> {
        let wire = Wire {
            format: FINDINGS_FORMAT.to_owned(),
            version: FINDINGS_VERSION,
            stamp: self.stamp(),
            rows: findings.rows,
            pipelines: findings.pipelines.clone(),
            models: findings.models.clone(),
            input_keys: findings.input_keys.clone(),
            transform: WireTransform {
                rows: findings.transform.rows,
                features: findings
                    .transform
                    .features
                    .iter()
                    .map(|f| WireFeature {
                        feature: f.feature.clone(),
                        mismatches: f.mismatches,
                        max_abs_diff_bits: f.max_abs_diff.to_bits(),
                        example_ids: f.example_ids.clone(),
                    })
                    .collect(),
                missing_in_log: findings.transform.missing_in_log.clone(),
                extra_in_log: findings.transform.extra_in_log.clone(),
            },
            unseen: findings.unseen.clone(),
            engines: findings
                .engines
                .iter()
                .map(|(name, outputs)| (name.clone(), outputs.iter().map(Into::into).collect()))
                .collect(),
            offline: findings.offline.iter().map(Into::into).collect(),
            offline_matched: findings.offline_matched,
            offline_unmatched: findings.offline_unmatched,
            distribution: findings
                .distribution
                .as_ref()
                .map(ServingAccumulator::to_wire),
        };
        // Plain data (strings, integers, maps with string keys): serialising cannot fail.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Findings serialised by [`findings_to_bytes`](Self::findings_to_bytes) of a
    /// replayer of the same artefacts (pipeline, model, engines, settings, training
    /// profile), ready to [`Findings::merge`].
    pub fn findings_from_bytes(&self, bytes: &[u8]) -> Result<Findings<'a>, FindingsError> {
        #[derive(Deserialize)]
        struct Head {
            format: String,
            version: u32,
        }
        let head: Head = serde_json::from_slice(bytes)
            .map_err(|e| FindingsError::Malformed(crate::excerpt::excerpt(&e.to_string())))?;
        if head.format != FINDINGS_FORMAT {
            return Err(FindingsError::Malformed(format!(
                "the format is `{}`, not `{FINDINGS_FORMAT}`",
                crate::excerpt::excerpt(&head.format)
            )));
        }
        if head.version != FINDINGS_VERSION {
            return Err(FindingsError::Version {
                found: head.version,
            });
        }
        let wire: Wire = serde_json::from_slice(bytes)
            .map_err(|e| FindingsError::Malformed(crate::excerpt::excerpt(&e.to_string())))?;
        let mine = self.stamp();
        let theirs = wire.stamp;
        let differ = |what: &'static str, t: String, m: String| {
            Err(FindingsError::OtherArtefacts {
                what,
                theirs: crate::excerpt::excerpt(&t),
                mine: crate::excerpt::excerpt(&m),
            })
        };
        if theirs.pipeline != mine.pipeline {
            return differ("pipeline fingerprint", theirs.pipeline, mine.pipeline);
        }
        if theirs.model != mine.model {
            return differ("model fingerprint", theirs.model, mine.model);
        }
        if theirs.engines != mine.engines {
            return differ(
                "engines",
                theirs.engines.join(", "),
                mine.engines.join(", "),
            );
        }
        if theirs.settings != mine.settings {
            return differ("settings", theirs.settings, mine.settings);
        }
        if theirs.profile != mine.profile {
            let shape = |p: &Option<Vec<(String, usize)>>| match p {
                None => "none".to_owned(),
                Some(columns) => columns
                    .iter()
                    .map(|(c, bins)| format!("{c}:{bins}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            return differ(
                "training profile (columns:bins)",
                shape(&theirs.profile),
                shape(&mine.profile),
            );
        }
        let distribution = match (wire.distribution, self.profile) {
            (Some(counts), Some(profile)) => Some(
                ServingAccumulator::from_wire(profile, counts).map_err(FindingsError::Malformed)?,
            ),
            (None, None) => None,
            _ => {
                return Err(FindingsError::Malformed(
                    "the distribution counts do not match the training profile".to_owned(),
                ));
            }
        };
        Ok(Findings {
            rows: wire.rows,
            pipelines: wire.pipelines,
            models: wire.models,
            input_keys: wire.input_keys,
            transform: TransformParity {
                rows: wire.transform.rows,
                features: wire
                    .transform
                    .features
                    .into_iter()
                    .map(|f| FeatureParity {
                        feature: f.feature,
                        mismatches: f.mismatches,
                        max_abs_diff: f64::from_bits(f.max_abs_diff_bits),
                        example_ids: f.example_ids,
                    })
                    .collect(),
                missing_in_log: wire.transform.missing_in_log,
                extra_in_log: wire.transform.extra_in_log,
            },
            unseen: wire.unseen,
            engines: wire
                .engines
                .into_iter()
                .map(|(name, outputs)| (name, outputs.into_iter().map(Into::into).collect()))
                .collect(),
            offline: wire.offline.into_iter().map(Into::into).collect(),
            offline_matched: wire.offline_matched,
            offline_unmatched: wire.offline_unmatched,
            distribution,
        })
    }
}
