//! Training/serving skew, computed from tables — the core of `lockstep skew`.
//!
//! * [`distribution`] — per-feature distribution distance between the training data and
//!   the served rows, as TensorFlow Data Validation defines it: L∞ distance of category
//!   shares for categorical features, Jensen–Shannon divergence (base 2, in [0, 1]) of
//!   histograms over the training data's quantile bins for numeric ones; plus null-rate
//!   change and the share of unseen categories.
//! * [`transform_parity`] — re-applies the fitted pipeline to logged raw rows and compares
//!   feature by feature with the features the server logged (expected: equal to the bit).
//!
//! * [`log`] — the prediction log record, its writer (`lockstep serve` calls it) and its
//!   readers: JSON Lines or Parquet read into columns in one pass.
//! * [`replay`] — replays logged batches: transform parity, prediction parity through
//!   each engine, the join with offline predictions, and distribution counts, merged
//!   into one [`SkewReport`].
//! * [`wire`] — findings as versioned bytes, for replays spread over processes or
//!   machines (a distributed engine's workers) and merged by a driver.
//!
//! Prediction parity reuses [`crate::parity`].

pub mod distribution;
pub mod log;
pub mod replay;
pub mod report;
pub mod transform_parity;
pub mod wire;

pub use distribution::{
    DistributionSkew, FeatureDistance, ServingAccumulator, SkewThresholds, TrainingProfile,
    distribution_skew, jensen_shannon, linf_distance, quantile_edges,
};
pub use log::{
    LOG_FORMAT, LogBatch, LogError, LogRecord, LoggedOutput, LoggedRequest, LoggedValue,
    RecordError, RequestFields, TornLine, write_request,
};
pub use replay::{Findings, OfflinePredictions, ReplayError, Replayer, SkewConfig, line_chunks};
pub use report::{
    Check, EngineParity, FingerprintCheck, OfflineComparison, OutputParity, SKEW_REPORT_VERSION,
    SkewReport, UnseenCategories, skew_report_schema, skew_schema_id,
};
pub use transform_parity::{
    FeatureParity, RowIds, TransformParity, compare_features, transform_parity,
};
pub use wire::{FINDINGS_FORMAT, FINDINGS_VERSION, FindingsError};
