//! What the evaluation panel computes: the full evaluation report of the loaded data,
//! by `lockstep_core::report` — the code `lockstep eval` runs — and its four exports.
//!
//! The page's picks play the part of the CLI's flags: the label column, the
//! predictions (a prediction column, a score column, or the loaded model run through
//! the pipeline as `lockstep eval --model … --pipeline …` runs it), the threshold of a
//! score column and the positive class replace whatever the settings text says. The
//! settings text is a TOML config as `--config` takes it, or a bare contract as
//! `--contract` takes it ([`EvalConfig::from_toml_settings`]).
//!
//! Plain functions over `lockstep-core` and page-state types, tested natively; errors
//! come back as the message to show.

use lockstep_core::report::{
    EvalReport, EvalRequest, ModelSource, Overrides, RequestError, Settings, SettingsFormat,
    Source, evaluate_request, export,
};

use crate::state::{Dataset, LoadedModel, LoadedPipeline, Selection};

/// Where the evaluated predictions come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalSource {
    /// The selection's prediction column (predicted classes or values).
    PredictionColumn,
    /// The selection's score column, thresholded at the selection's threshold.
    ScoreColumn,
    /// The loaded model, run on the data (through the pipeline when there is one).
    Model,
}

/// A report and its exports, made once and offered for download.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub report: EvalReport,
    pub json: String,
    pub markdown: String,
    pub html: String,
    pub junit: String,
}

/// What the page gives the evaluation.
#[derive(Debug, Clone, Copy)]
pub struct EvalInputs<'a> {
    pub dataset: &'a Dataset,
    pub selection: &'a Selection,
    pub source: EvalSource,
    /// The settings box: a TOML config or contract, possibly empty.
    pub settings: &'a str,
    pub model: Option<&'a LoadedModel>,
    pub pipeline: Option<&'a LoadedPipeline>,
}

/// Runs the evaluation through core's one evaluation request (what `lockstep eval`
/// runs); `now` reads a clock in milliseconds (to time a model).
pub fn evaluate(inputs: &EvalInputs<'_>, now: &dyn Fn() -> f64) -> Result<Evaluation, String> {
    let selection = inputs.selection;
    let source = match inputs.source {
        EvalSource::PredictionColumn => Source::Column(selection.prediction.clone()),
        EvalSource::ScoreColumn => Source::Score(selection.score.clone()),
        EvalSource::Model => {
            let model = inputs
                .model
                .ok_or("load a model first (step 5): the report evaluates its predictions")?;
            Source::Model(ModelSource {
                engine: model.engine(),
                class_labels: model.class_labels.as_deref(),
                pipeline: inputs.pipeline.map(|p| p.pipeline.as_ref()),
                bytes: &model.raw,
            })
        }
    };
    let positive = selection.positive_label.trim();
    let request = EvalRequest {
        label: selection.label.clone(),
        source,
        settings: Some(Settings {
            text: inputs.settings,
            format: SettingsFormat::guess(inputs.settings),
        }),
        contract: None,
        overrides: Overrides {
            positive_label: (!positive.is_empty()).then(|| positive.to_owned()),
            threshold: (inputs.source == EvalSource::ScoreColumn).then_some(selection.threshold),
            ..Overrides::default()
        },
        data_sha256: Some(inputs.dataset.sha256.clone()),
    };
    let report = evaluate_request(&inputs.dataset.table, &request, now).map_err(|e| match e {
        RequestError::Model(e) => match inputs.model {
            Some(model) => format!("{}: {e}", model.name),
            None => e.to_string(),
        },
        e => e.to_string(),
    })?;
    Ok(Evaluation {
        json: export::json(&report).map_err(|e| e.to_string())?,
        markdown: export::markdown(&report),
        html: export::html(&report),
        junit: export::junit(&report),
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Mode, guess_selection};
    use lockstep_core::report::{self, EvalConfig, Fingerprints, Predictions};
    use lockstep_core::table::default_null_values;

    const DEMO: &str = include_str!("../../../www/demo/breast_cancer_eval.csv");
    const EXAMPLE: &str = include_str!("../../../docs/examples/eval.toml");

    fn demo() -> Dataset {
        Dataset::from_csv("demo".into(), DEMO.as_bytes(), default_null_values()).unwrap()
    }

    fn inputs<'a>(
        dataset: &'a Dataset,
        selection: &'a Selection,
        source: EvalSource,
        settings: &'a str,
    ) -> EvalInputs<'a> {
        EvalInputs {
            dataset,
            selection,
            source,
            settings,
            model: None,
            pipeline: None,
        }
    }

    /// The page's evaluation is the one `lockstep eval --data demo --label malignant
    /// --score-col score --config docs/examples/eval.toml` builds.
    #[test]
    fn the_picks_replace_the_settings_as_cli_flags_do() {
        let dataset = demo();
        let selection = guess_selection(&dataset.table, 0.5);
        assert_eq!(selection.label, "malignant");
        let shown = evaluate(
            &inputs(&dataset, &selection, EvalSource::ScoreColumn, EXAMPLE),
            &|| 0.0,
        )
        .unwrap();

        let mut config = EvalConfig::from_toml(EXAMPLE).unwrap();
        config.label = "malignant".into();
        config.predictions = Predictions::Score("score".into());
        config.fingerprints = Fingerprints::of(Some(DEMO.as_bytes()), None, None);
        let cli = report::evaluate(&dataset.table, &config).unwrap();
        assert_eq!(shown.report, cli);
        assert_eq!(shown.json, export::json(&cli).unwrap());
        // The example's contract needs latency and size, which a score column lacks.
        assert!(!shown.report.contract.as_ref().unwrap().passed);
        assert!(shown.html.starts_with("<!DOCTYPE html>"));
        assert!(shown.junit.contains("<testsuites"));
        assert!(shown.markdown.starts_with("# Evaluation report"));
    }

    #[test]
    fn a_bare_contract_and_the_threshold_pick() {
        let dataset = demo();
        let selection = Selection {
            mode: Mode::Scores,
            threshold: 0.3,
            ..guess_selection(&dataset.table, 0.5)
        };
        let settings = "optimizing = \"roc_auc\"\nsatisficing = [\"accuracy >= 0.8\"]\n";
        let shown = evaluate(
            &inputs(&dataset, &selection, EvalSource::ScoreColumn, settings),
            &|| 0.0,
        )
        .unwrap();
        assert_eq!(shown.report.inputs.threshold, Some(0.3));
        let contract = shown.report.contract.unwrap();
        assert_eq!(contract.lines.len(), 1);
    }

    #[test]
    fn errors_are_messages() {
        let dataset = demo();
        let selection = guess_selection(&dataset.table, 0.5);
        let err = evaluate(
            &inputs(
                &dataset,
                &selection,
                EvalSource::ScoreColumn,
                "[bootstrap]\nreplicates = \"many\"\n",
            ),
            &|| 0.0,
        )
        .unwrap_err();
        assert!(err.starts_with("invalid settings:"), "{err}");
        assert!(err.contains("bootstrap.replicates"), "{err}");
        let err = evaluate(
            &inputs(
                &dataset,
                &selection,
                EvalSource::ScoreColumn,
                "satisficing = [\"nonsense >= 1\"]\noptimizing = \"f1\"\n",
            ),
            &|| 0.0,
        )
        .unwrap_err();
        assert!(err.contains("nonsense"), "{err}");
        let err = evaluate(
            &inputs(&dataset, &selection, EvalSource::Model, ""),
            &|| 0.0,
        )
        .unwrap_err();
        assert!(err.starts_with("load a model first"), "{err}");
        let err = evaluate(
            &inputs(
                &dataset,
                &selection,
                EvalSource::PredictionColumn,
                "threshold = 2",
            ),
            &|| 0.0,
        );
        assert!(
            err.is_ok(),
            "a hard prediction ignores the threshold: {err:?}"
        );
    }

    #[test]
    fn a_model_is_evaluated_with_its_latency_size_and_fingerprint() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/onnx/");
        let bytes = std::fs::read(format!("{dir}logreg_binary_breast_cancer.onnx")).unwrap();
        let model = LoadedModel::from_bytes("m.onnx".into(), &bytes).unwrap();
        // The model takes 30 features; the demo has 5 besides the label.
        let dataset = demo();
        let selection = guess_selection(&dataset.table, 0.5);
        let err = evaluate(
            &EvalInputs {
                model: Some(&model),
                ..inputs(&dataset, &selection, EvalSource::Model, "")
            },
            &|| 0.0,
        )
        .unwrap_err();
        assert!(
            err.starts_with("m.onnx: cannot feed the data to the model"),
            "{err}"
        );

        // On its own 30 features, labelled by its own predictions.
        let fixture: serde_json::Value = serde_json::from_slice(
            &std::fs::read(format!("{dir}logreg_binary_breast_cancer.json")).unwrap(),
        )
        .unwrap();
        let data = fixture["inputs"][0]["data"].as_array().unwrap();
        let labels = fixture["outputs"][0]["data"].as_array().unwrap();
        let header: Vec<String> = (0..30).map(|j| format!("f{j}")).collect();
        let mut csv = format!("{},y\n", header.join(","));
        for (row, label) in data.chunks(30).zip(labels) {
            let fields: Vec<String> = row.iter().map(ToString::to_string).collect();
            csv.push_str(&format!("{},{label}\n", fields.join(",")));
        }
        let dataset =
            Dataset::from_csv("features.csv".into(), csv.as_bytes(), default_null_values())
                .unwrap();
        let selection = Selection {
            label: "y".into(),
            ..guess_selection(&dataset.table, 0.5)
        };
        // A clock that advances 5 ms per reading: the run takes 5 ms.
        let tick = std::cell::Cell::new(0.0);
        let now = || {
            tick.set(tick.get() + 5.0);
            tick.get()
        };
        let shown = evaluate(
            &EvalInputs {
                model: Some(&model),
                ..inputs(&dataset, &selection, EvalSource::Model, "")
            },
            &now,
        )
        .unwrap();
        let report = shown.report;
        assert_eq!(
            report.inputs.prediction_columns,
            ["probabilities_1".to_owned()]
        );
        let accuracy = report
            .metrics
            .iter()
            .find(|m| m.name == "accuracy")
            .unwrap();
        assert_eq!(accuracy.estimate.value(), Some(1.0));
        assert_eq!(report.fingerprints.model_sha256, Some(model.sha256.clone()));
        assert_eq!(
            report.facts.latency_ms_per_row,
            Some(5.0 / dataset.table.num_rows() as f64)
        );
        assert_eq!(report.facts.model_size_mb, Some(bytes.len() as f64 / 1e6));
    }
}
