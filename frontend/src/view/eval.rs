//! What the evaluation panel computes: the full evaluation report of the loaded data,
//! by `lockstep_core::report` — the code `lockstep eval` runs — and its four exports.
//!
//! The Evaluate cell's picks play the part of the CLI's flags: the label column, the
//! predictions (a prediction column, a score column, or a model run through its
//! pipeline as `lockstep eval --model … --pipeline …` runs it), the threshold and the
//! positive class replace whatever the settings text says. The settings text is a
//! TOML or JSON config as `--config` takes it, or a bare contract.
//!
//! Plain functions over `lockstep-core` and page-state types, tested natively; errors
//! come back as the message to show.

use lockstep_core::report::{
    EvalReport, EvalRequest, ModelSource, Overrides, PrecomputedReplicates, PreparedRequest,
    ReplicateJob, RequestError, Settings, SettingsFormat, Source, evaluate_prepared,
    evaluate_request_watched, export, prepare_request_async, replicate_job,
};
use lockstep_core::slices::{Progress, SlicesSpec};
use lockstep_core::transform::FittedPipeline;

use crate::notebook::PredictionSource;
use crate::state::{Dataset, LoadedModel};

/// A report and its exports, made once and offered for download.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub report: EvalReport,
    pub json: String,
    pub markdown: String,
    pub html: String,
    pub junit: String,
}

/// What the Evaluate cell gives the evaluation (the CLI's flags).
#[derive(Clone, Copy)]
pub struct EvalPicks<'a> {
    pub dataset: &'a Dataset,
    pub label: &'a str,
    pub source: &'a PredictionSource,
    /// Replaces the settings' threshold (`--threshold`).
    pub threshold: Option<f64>,
    /// Empty: inferred (`--positive-label`).
    pub positive_label: &'a str,
    /// The settings box: a TOML/JSON config or contract, possibly empty.
    pub settings: &'a str,
    /// The model of a [`PredictionSource::Model`], and its pipeline.
    pub model: Option<&'a LoadedModel>,
    pub pipeline: Option<&'a FittedPipeline>,
}

/// The threshold box: empty means "the settings' threshold, else core's default";
/// anything else must be a number, or the evaluation does not run (an emptied or
/// mistyped box is never silently replaced by an older value).
pub fn parse_threshold(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(t) if t.is_finite() => Ok(Some(t)),
        _ => Err(format!("the threshold `{text}` is not a number")),
    }
}

/// The picks as core's evaluation request (the CLI's flags over the settings).
pub fn request_of<'a>(picks: &EvalPicks<'a>) -> Result<EvalRequest<'a>, String> {
    let source = match picks.source {
        PredictionSource::Column(c) => Source::Column(c.clone()),
        PredictionSource::Score(c) => Source::Score(c.clone()),
        PredictionSource::Model(name) => {
            let model = picks
                .model
                .ok_or_else(|| format!("no model named `{name}`: load one in the Models cell"))?;
            Source::Model(ModelSource {
                engine: model.engine(),
                class_labels: model.class_labels.as_deref(),
                pipeline: picks.pipeline,
                bytes: &model.raw,
            })
        }
    };
    if picks.label.is_empty() {
        return Err("choose the label column".to_owned());
    }
    let positive = picks.positive_label.trim();
    Ok(EvalRequest {
        label: picks.label.to_owned(),
        source,
        settings: Some(Settings {
            text: picks.settings,
            format: SettingsFormat::guess(picks.settings),
        }),
        contract: None,
        overrides: Overrides {
            positive_label: (!positive.is_empty()).then(|| positive.to_owned()),
            threshold: picks.threshold,
            ..Overrides::default()
        },
        data_sha256: Some(picks.dataset.sha256.clone()),
    })
}

/// A request's error as the page words it (a model's errors name the model).
pub fn request_error(picks: &EvalPicks<'_>, e: RequestError) -> String {
    match e {
        RequestError::Model(e) => match picks.model {
            Some(model) => format!("{}: {e}", model.name),
            None => e.to_string(),
        },
        e => e.to_string(),
    }
}

/// Runs the evaluation through core's one evaluation request (what `lockstep eval`
/// runs); `now` reads a clock in milliseconds (to time a model).
pub fn evaluate(picks: &EvalPicks<'_>, now: &dyn Fn() -> f64) -> Result<Evaluation, String> {
    let cancel = std::sync::atomic::AtomicBool::new(false);
    evaluate_watched(picks, None, now, &mut |_| {}, &cancel)
}

/// [`evaluate`] with a `slices.toml` (`lockstep eval --slices`), the slice finder's
/// progress reported to `progress`: the Slices cell.
pub fn evaluate_watched(
    picks: &EvalPicks<'_>,
    slices: Option<SlicesSpec>,
    now: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Progress),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Evaluation, String> {
    let mut request = request_of(picks)?;
    request.overrides.slices = slices;
    let report = evaluate_request_watched(&picks.dataset.table, &request, now, progress, cancel)
        .map_err(|e| request_error(picks, e))?;
    exports(report)
}

/// The first half of [`evaluate`], for an evaluation whose model run and bootstrap run
/// in parts (the page's engine workers): the request prepared (the model run, awaited:
/// the page's engine runs a large batch on the engine workers, `crate::engine`) and its
/// headline bootstrap as a job (`None`: nothing to split, or an error [`finish`] will
/// report).
pub async fn prepare(
    picks: &EvalPicks<'_>,
    now: &dyn Fn() -> f64,
) -> Result<(PreparedRequest, Option<ReplicateJob>), String> {
    let request = request_of(picks)?;
    let prepared = prepare_request_async(&picks.dataset.table, &request, now)
        .await
        .map_err(|e| request_error(picks, e))?;
    let table = prepared.table.as_ref().unwrap_or(&picks.dataset.table);
    let job = replicate_job(table, &prepared.config).ok().flatten();
    Ok((prepared, job))
}

/// The second half: the report of `prepared` with the headline bootstrap's replicates
/// from `replicates` and, for the Slices cell, `slices` (the finder's progress to
/// `progress`) — the same report, bit for bit, as [`evaluate_watched`].
pub fn finish(
    picks: &EvalPicks<'_>,
    prepared: &PreparedRequest,
    replicates: Option<&PrecomputedReplicates>,
    slices: Option<SlicesSpec>,
    now: &dyn Fn() -> f64,
    progress: &mut dyn FnMut(Progress),
) -> Result<Evaluation, String> {
    let mut request = request_of(picks)?;
    request.overrides.slices = slices;
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let report = evaluate_prepared(
        &picks.dataset.table,
        &request,
        prepared,
        replicates,
        now,
        progress,
        &cancel,
    )
    .map_err(|e| request_error(picks, e))?;
    exports(report)
}

fn exports(report: EvalReport) -> Result<Evaluation, String> {
    Ok(Evaluation {
        json: export::json(&report).map_err(|e| e.to_string())?,
        markdown: export::markdown(&report),
        html: export::html(&report),
        junit: export::junit(&report),
        report,
    })
}

/// A `slices.toml` as typed, or the default when the box is empty: one `by` over the
/// first column that is not the label or a prediction, and the slice finder.
pub fn slices_spec(text: &str, columns: &[String], skip: &[&str]) -> Result<SlicesSpec, String> {
    let text = if text.trim().is_empty() {
        default_slices_spec(columns, skip)
    } else {
        text.to_owned()
    };
    SlicesSpec::from_toml(&text).map_err(|e| format!("slices.toml: {e}"))
}

/// The slice finder's progress in [0, 1]: finished levels plus this level's share.
pub fn finder_fraction(p: &Progress) -> f64 {
    let levels = p.max_level.max(1) as f64;
    let within = if p.level_total > 0 {
        p.level_done as f64 / p.level_total as f64
    } else {
        0.0
    };
    ((p.level.saturating_sub(1) as f64 + within) / levels).clamp(0.0, 1.0)
}

/// The slice finder's progress in words, with the time since it started.
pub fn finder_stage(p: &Progress, millis: f64) -> String {
    format!(
        "slice finder: level {} of {}, {} of {} candidates ({} in all), {:.1} s",
        p.level,
        p.max_level,
        p.level_done,
        p.level_total,
        p.evaluated,
        millis / 1000.0
    )
}

/// The Slices cell's starting `slices.toml` for a data set.
pub fn default_slices_spec(columns: &[String], skip: &[&str]) -> String {
    let first = columns.iter().find(|c| !skip.contains(&c.as_str()));
    let by = first.map_or(String::new(), |c| {
        format!("[[by]]\ncolumns = [{}]\n\n", toml_string(c))
    });
    format!("{by}[finder]\nmax_level = 2\n")
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::state::guess_selection;
    use lockstep_core::report::{self, EvalConfig, Fingerprints, Predictions};

    const DEMO: &str = include_str!("../../../www/demo/breast_cancer_eval.csv");
    const EXAMPLE: &str = include_str!("../../../docs/examples/eval.toml");

    fn demo() -> Dataset {
        Dataset::from_csv("demo".into(), DEMO.as_bytes()).unwrap()
    }

    fn picks<'a>(
        dataset: &'a Dataset,
        label: &'a str,
        source: &'a PredictionSource,
        settings: &'a str,
    ) -> EvalPicks<'a> {
        EvalPicks {
            dataset,
            label,
            source,
            threshold: None,
            positive_label: "",
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
        let guess = guess_selection(&dataset.table);
        assert_eq!(guess.label, "malignant");
        let source = PredictionSource::Score("score".into());
        let shown = evaluate(&picks(&dataset, &guess.label, &source, EXAMPLE), &|| 0.0).unwrap();

        let mut config = EvalConfig::from_toml(EXAMPLE).unwrap();
        config.label = "malignant".into();
        config.predictions = Predictions::Score("score".into());
        config.fingerprints = Fingerprints::of(Some(DEMO.as_bytes()), None, None);
        let cli = report::evaluate(&dataset.table, &config).unwrap();
        assert_eq!(shown.report, cli);
        assert_eq!(shown.json, export::json(&cli).unwrap());
        // The report read back from its JSON (what the page does with the worker's
        // reply) gives the same exports, byte for byte.
        let back = export::from_json(&shown.json).unwrap();
        assert_eq!(export::html(&back), shown.html);
        assert_eq!(export::markdown(&back), shown.markdown);
        assert_eq!(export::junit(&back), shown.junit);
        assert!(!shown.report.contract.as_ref().unwrap().passed);
    }

    #[test]
    fn a_bare_contract_and_the_threshold_pick() {
        let dataset = demo();
        let source = PredictionSource::Score("score".into());
        let settings = "optimizing = \"roc_auc\"\nsatisficing = [\"accuracy >= 0.8\"]\n";
        let shown = evaluate(
            &EvalPicks {
                threshold: Some(0.3),
                ..picks(&dataset, "malignant", &source, settings)
            },
            &|| 0.0,
        )
        .unwrap();
        assert_eq!(shown.report.inputs.threshold, Some(0.3));
        assert_eq!(shown.report.contract.unwrap().lines.len(), 1);
    }

    /// Issue 13: an emptied threshold box was silently kept at its old value.
    #[test]
    fn an_emptied_threshold_means_the_default_and_a_bad_one_is_an_error() {
        assert_eq!(parse_threshold(" ").unwrap(), None);
        assert_eq!(parse_threshold("0.25").unwrap(), Some(0.25));
        let err = parse_threshold("0,3").unwrap_err();
        assert_eq!(err, "the threshold `0,3` is not a number");
        assert!(parse_threshold("NaN").is_err());
        let dataset = demo();
        let source = PredictionSource::Score("score".into());
        let shown = evaluate(&picks(&dataset, "malignant", &source, ""), &|| 0.0).unwrap();
        assert_eq!(shown.report.inputs.threshold, Some(0.5));
    }

    /// Issue 13: the page's step 3 accepted scores outside [0, 1] that step 6 refused;
    /// now there is one path, core's, and it refuses them naming the row and value.
    #[test]
    fn scores_outside_the_unit_interval_are_refused_with_row_and_value() {
        let dataset = Dataset::from_csv("s.csv".into(), b"y,s\n1,0.9\n0,1.7\n1,0.2\n").unwrap();
        let source = PredictionSource::Score("s".into());
        let err = evaluate(&picks(&dataset, "y", &source, ""), &|| 0.0).unwrap_err();
        assert!(err.contains("1.7"), "{err}");
        assert!(err.contains('s'), "{err}");
    }

    /// Issue 13: a non-numeric score cell was reported without its row and value.
    #[test]
    fn a_non_numeric_score_names_its_row_and_value() {
        let dataset = Dataset::from_csv("s.csv".into(), b"y,s\n1,0.9\n0,high\n1,0.2\n").unwrap();
        let source = PredictionSource::Score("s".into());
        let err = evaluate(&picks(&dataset, "y", &source, ""), &|| 0.0).unwrap_err();
        assert!(err.contains("high"), "{err}");
        assert!(err.contains("row 2") || err.contains("line 3"), "{err}");
    }

    /// Issue 13: three classes with a score column blamed the score column.
    #[test]
    fn three_classes_with_a_score_column_blame_the_label() {
        let dataset = Dataset::from_csv("s.csv".into(), b"y,s\na,0.9\nb,0.1\nc,0.2\n").unwrap();
        let source = PredictionSource::Score("s".into());
        let err = evaluate(&picks(&dataset, "y", &source, ""), &|| 0.0).unwrap_err();
        assert!(err.contains("3 classes") || err.contains("three"), "{err}");
        assert!(err.contains("`y`") || err.contains("label"), "{err}");
    }

    #[test]
    fn errors_are_messages() {
        let dataset = demo();
        let source = PredictionSource::Score("score".into());
        let err = evaluate(
            &picks(
                &dataset,
                "malignant",
                &source,
                "[bootstrap]\nreplicates = \"many\"\n",
            ),
            &|| 0.0,
        )
        .unwrap_err();
        assert!(err.starts_with("invalid settings:"), "{err}");
        assert!(err.contains("bootstrap.replicates"), "{err}");
        let model = PredictionSource::Model("m.onnx".into());
        let err = evaluate(&picks(&dataset, "malignant", &model, ""), &|| 0.0).unwrap_err();
        assert!(err.starts_with("no model named `m.onnx`"), "{err}");
        let err = evaluate(&picks(&dataset, "", &source, ""), &|| 0.0).unwrap_err();
        assert_eq!(err, "choose the label column");
    }
}
