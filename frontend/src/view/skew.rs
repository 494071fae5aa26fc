//! The skew panel's work, as plain functions over `lockstep-core`: replay dropped
//! prediction logs through the page's pipeline and model — the very
//! `lockstep_core::skew::Replayer` that `lockstep skew` runs — and summarise the report.

use lockstep_core::engine::Engine;
use lockstep_core::skew::{Replayer, SkewConfig, SkewReport, TrainingProfile};
use lockstep_core::table::Table;
use lockstep_core::transform::FittedPipeline;

/// Records replayed per batch: bounds the memory a batch takes beside the files.
const BATCH_ROWS: usize = 4096;

/// What the replay needs from the page.
pub struct SkewInputs<'a> {
    pub pipeline: &'a FittedPipeline,
    /// The engine that replays the model (the page's: lockstep-core's).
    pub engine: &'a dyn Engine,
    /// sha256 of the model file, compared with the logged fingerprints.
    pub model_fingerprint: &'a str,
    /// Training data for distribution skew, if the user chose to compare with it.
    pub train: Option<&'a Table>,
    /// `skew.toml` text (empty for the defaults).
    pub config: &'a str,
}

/// Replays the logs (name, bytes) and returns the report, or an error naming the file,
/// line and field at fault. Logs are JSON Lines as `lockstep serve` writes them; Parquet
/// logs are left to `lockstep skew` (Arrow's reader would double the page's wasm).
pub fn replay_logs(
    inputs: &SkewInputs<'_>,
    logs: &[(String, Vec<u8>)],
) -> Result<SkewReport, String> {
    if logs.is_empty() {
        return Err("no log files".to_owned());
    }
    let config = if inputs.config.trim().is_empty() {
        SkewConfig::default()
    } else {
        SkewConfig::from_toml(inputs.config).map_err(|e| format!("invalid skew.toml: {e}"))?
    };
    let profile = inputs.train.map(TrainingProfile::new);
    let replayer = Replayer {
        pipeline: inputs.pipeline,
        model_fingerprint: inputs.model_fingerprint.to_owned(),
        engines: vec![inputs.engine],
        tolerance: config.tolerance,
        thresholds: config.thresholds,
        profile: profile.as_ref(),
        offline: None,
    };
    let files: Vec<(String, &[u8])> = logs
        .iter()
        .map(|(name, bytes)| (name.clone(), bytes.as_slice()))
        .collect();
    replayer
        .replay_log_files(&files, BATCH_ROWS)
        .map_err(|e| e.to_string())
}

/// The verdict line shown above the checks (the CLI's terminal summary's first line).
pub fn verdict(report: &SkewReport) -> String {
    report.text().lines().next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use lockstep_core::onnx::Model;
    use lockstep_core::table::CsvOptions;

    fn data(path: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data")
            .join(path)
    }

    fn fixtures() -> (FittedPipeline, Vec<u8>, Table, Vec<u8>) {
        let pipeline = FittedPipeline::from_json(
            &std::fs::read_to_string(data("serving/pipeline.json")).unwrap(),
        )
        .unwrap();
        let model = std::fs::read(data("serving/model.onnx")).unwrap();
        let train = Table::from_csv(
            &std::fs::read(data("transforms/train.csv")).unwrap(),
            &CsvOptions::default(),
        )
        .unwrap();
        let log = std::fs::read(data("skew/log/predictions.jsonl")).unwrap();
        (pipeline, model, train, log)
    }

    #[test]
    fn the_served_log_passes_and_a_bad_config_or_log_is_an_error() {
        let (pipeline, bytes, train, log) = fixtures();
        let model = Model::from_bytes(&bytes).unwrap();
        let fingerprint = lockstep_core::report::sha256_hex(&bytes);
        let mut inputs = SkewInputs {
            pipeline: &pipeline,
            engine: &model,
            model_fingerprint: &fingerprint,
            train: Some(&train),
            config: "",
        };
        let logs = vec![("predictions.jsonl".to_owned(), log.clone())];
        let report = replay_logs(&inputs, &logs).unwrap();
        assert_eq!(report.rows, 150);
        assert!(report.distribution.is_some());
        assert!(
            verdict(&report).starts_with("lockstep skew: "),
            "{}",
            verdict(&report)
        );

        inputs.config = "[tolerance]\natol = \"x\"\n";
        let err = replay_logs(&inputs, &logs).unwrap_err();
        assert!(err.starts_with("invalid skew.toml:"), "{err}");
        inputs.config = "";

        let bad = vec![("bad.jsonl".to_owned(), b"{\"log_format\": 1}\n".to_vec())];
        let err = replay_logs(&inputs, &bad).unwrap_err();
        assert!(err.contains("bad.jsonl:1: the record has no"), "{err}");
        // Parquet is left to the CLI (its reader would double the page's wasm); where
        // the workspace build unifies core's `parquet` feature in, the bytes are refused.
        let parquet = vec![("l.parquet".to_owned(), b"PAR1".to_vec())];
        let err = replay_logs(&inputs, &parquet).unwrap_err();
        assert!(
            err.starts_with("l.parquet: Parquet logs are read by `lockstep skew`")
                || err.starts_with("l.parquet: not a readable Parquet log"),
            "{err}"
        );
        assert_eq!(replay_logs(&inputs, &[]).unwrap_err(), "no log files");
    }
}
