//! The Compare cell: champion against challenger on the same rows, through core's one
//! comparison request ([`lockstep_core::compare::compare_request`], what `lockstep
//! compare --champion a.onnx --challenger b.onnx` runs): paired bootstrap intervals of
//! every metric's difference, McNemar's exact test, DeLong's test, the decision.

use lockstep_core::compare::{
    CompareOverrides, CompareRequest, ComparisonReport, compare_request_async, export,
};
use lockstep_core::report::{ModelSource, Settings, SettingsFormat, Source};
use lockstep_core::transform::FittedPipeline;

use crate::state::{Dataset, LoadedModel};

/// One side: a model and the pipeline that feeds it.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub model: &'a LoadedModel,
    pub pipeline: Option<&'a FittedPipeline>,
}

/// What the Compare cell gives the comparison (the CLI's flags).
#[derive(Clone, Copy)]
pub struct ComparePicks<'a> {
    pub dataset: &'a Dataset,
    pub label: &'a str,
    pub champion: Side<'a>,
    pub challenger: Side<'a>,
    pub threshold: Option<f64>,
    /// Empty: inferred.
    pub positive_label: &'a str,
    /// A compare config (TOML or JSON); empty: the defaults.
    pub settings: &'a str,
    /// `slices.toml` (as `lockstep compare --slices` reads it); empty: none.
    pub slices: &'a str,
}

/// A comparison report and its exports.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub report: ComparisonReport,
    pub json: String,
    pub markdown: String,
    pub html: String,
    pub junit: String,
}

fn source<'a>(side: &Side<'a>) -> Source<'a> {
    Source::Model(ModelSource {
        engine: side.model.engine(),
        class_labels: side.model.class_labels.as_deref(),
        pipeline: side.pipeline,
        bytes: &side.model.raw,
    })
}

/// Runs the comparison, its model runs awaited (the page engine's async run: engine
/// workers, WebGPU); `now` reads a clock in milliseconds (to time the models).
pub async fn compare(
    picks: &ComparePicks<'_>,
    now: &dyn Fn() -> f64,
) -> Result<Comparison, String> {
    if picks.label.is_empty() {
        return Err("choose the label column in the Evaluate cell".to_owned());
    }
    if picks.champion.model.name == picks.challenger.model.name {
        return Err(format!(
            "the champion and the challenger are the same model (`{}`): load a second one",
            picks.champion.model.name
        ));
    }
    let slices = if picks.slices.trim().is_empty() {
        None
    } else {
        Some(
            lockstep_core::slices::SlicesSpec::from_toml(picks.slices)
                .map_err(|e| format!("invalid slices: {e}"))?,
        )
    };
    let positive = picks.positive_label.trim();
    let settings = picks.settings.trim();
    let request = CompareRequest {
        label: picks.label.to_owned(),
        names: [
            picks.champion.model.name.clone(),
            picks.challenger.model.name.clone(),
        ],
        champion: source(&picks.champion),
        challenger: source(&picks.challenger),
        settings: (!settings.is_empty()).then(|| Settings {
            text: picks.settings,
            format: SettingsFormat::guess(picks.settings),
        }),
        overrides: CompareOverrides {
            positive_label: (!positive.is_empty()).then(|| positive.to_owned()),
            threshold: picks.threshold,
            slices,
            ..CompareOverrides::default()
        },
        data_sha256: Some(picks.dataset.sha256.clone()),
    };
    let report = compare_request_async(&picks.dataset.table, &request, now)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Comparison {
        json: export::json(&report).map_err(|e| e.to_string())?,
        markdown: export::markdown(&report),
        html: export::html(&report),
        junit: export::junit(&report),
        report,
    })
}
