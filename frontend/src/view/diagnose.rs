//! The Diagnose and Error analysis cells' view-models: the picks turned into core's
//! one diagnosis request ([`lockstep_core::diagnose::request`], what `lockstep
//! diagnose` runs with the same defaults: 1,000 replicates, seed 0, 95 %, tolerance
//! 0.01), the gaps and the next focus as the page shows them, and the tags: each
//! error row's tags (row numbers and tags only), the tag suggestions, the tags CSV
//! `lockstep diagnose --tags` reads, and each tag's share with its Wilson interval.

use lockstep_core::diagnose::curves::{CurvePoint, parse_csv};
use lockstep_core::diagnose::errors::{ErrorSample, TagReport, tag_shares};
use lockstep_core::diagnose::export::{DiagnoseReport, html, markdown};
use lockstep_core::diagnose::{
    self, DataSet, DiagnoseRequest, DiagnoseRequestError, Diagnosis, Optimal, OptimalSource,
    SetData, SetInput,
};
use lockstep_core::metrics::bootstrap::BootstrapConfig;
use lockstep_core::report::{EvalRequest, ModelSource, Overrides, Source};
use lockstep_core::transform::FittedPipeline;

use crate::notebook::RowTag;
use crate::state::{Dataset, LoadedModel};

/// `lockstep diagnose`'s defaults.
pub const REPLICATES: u32 = 1000;
pub const CONFIDENCE: f64 = 0.95;
pub const TOLERANCE: f64 = 0.01;
pub const MIN_GAIN: f64 = 0.005;
/// The Error analysis cell's default number of errors.
pub const DEFAULT_LIMIT: usize = 100;
/// The most errors the page lists (each is a table row to read and tag).
pub const MAX_LIMIT: usize = 10_000;

/// What a diagnosis is run on.
pub struct DiagnosePicks<'a> {
    /// Training, training-dev, dev, test ([`DataSet::ALL`]'s order).
    pub sets: [Option<&'a Dataset>; 4],
    pub label: &'a str,
    pub model: &'a LoadedModel,
    pub pipeline: Option<&'a FittedPipeline>,
    pub optimal: Option<Optimal>,
    pub curves: Option<Vec<CurvePoint>>,
    /// List up to this many of the dev set's eyeball errors.
    pub errors: Option<usize>,
    pub seed: u64,
}

/// The optimal-error box: empty is none (the best baseline on the dev set stands in);
/// otherwise a number in [0, 1], declared human-level (`human`) or a Bayes-rate
/// estimate (`bayes`).
pub fn parse_optimal(text: &str, kind: &str) -> Result<Option<Optimal>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value: f64 = text
        .parse()
        .map_err(|_| format!("optimal error `{text}` is not a number"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!(
            "optimal error {value} must be an error rate between 0 and 1"
        ));
    }
    let source = match kind {
        "bayes" => OptimalSource::BayesRate,
        _ => OptimalSource::HumanLevel,
    };
    Ok(Some(Optimal { value, source }))
}

/// The learning-curve box: empty is none; otherwise `size,train_error,dev_error` CSV.
pub fn parse_curves(text: &str) -> Result<Option<Vec<CurvePoint>>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_csv(text).map(Some).map_err(|e| e.to_string())
}

/// The number-of-errors box: empty is [`DEFAULT_LIMIT`]; otherwise 1 to [`MAX_LIMIT`].
pub fn parse_limit(text: &str) -> Result<usize, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(DEFAULT_LIMIT);
    }
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!(
            "number of errors `{text}` must be a whole number from 1 to {MAX_LIMIT}"
        )),
    }
}

/// The seed box: empty is 0 (`lockstep diagnose`'s default).
pub fn parse_seed(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    text.parse()
        .map_err(|_| format!("seed `{text}` must be a whole number ≥ 0"))
}

/// Runs core's diagnosis request on the picks (`lockstep diagnose --model … --label …
/// --train … --train-dev … --dev … --test … [--human|--bayes E] [--curves c.csv]
/// [--errors N] --seed S`).
pub async fn run(
    picks: &DiagnosePicks<'_>,
    now: &dyn Fn() -> f64,
) -> Result<DiagnoseReport, String> {
    if picks.label.is_empty() {
        return Err("choose the label column".to_owned());
    }
    if picks.sets.iter().all(Option::is_none) {
        return Err(
            "choose at least one data set (training, training-dev, dev or test)".to_owned(),
        );
    }
    let eval = EvalRequest {
        label: picks.label.to_owned(),
        source: Source::Model(ModelSource {
            engine: picks.model.engine(),
            class_labels: picks.model.class_labels.as_deref(),
            pipeline: picks.pipeline,
            bytes: &picks.model.raw,
        }),
        settings: None,
        contract: None,
        overrides: Overrides {
            seed: Some(picks.seed),
            ..Overrides::default()
        },
        data_sha256: None,
    };
    let sets = picks.sets.map(|d| {
        d.map(|d| {
            SetInput::Data(SetData {
                table: &d.table,
                sha256: Some(d.sha256.as_str()),
            })
        })
    });
    diagnose::request_async(
        DiagnoseRequest {
            eval: Some(eval),
            sets,
            metric: "error rate".to_owned(),
            higher_is_better: false,
            optimal: picks.optimal.clone(),
            tolerance: TOLERANCE,
            bootstrap: BootstrapConfig {
                replicates: REPLICATES,
                seed: picks.seed,
                confidence: CONFIDENCE,
            },
            curves: picks.curves.clone().map(|c| (c, MIN_GAIN)),
            errors: picks.errors,
            tags: None,
        },
        now,
    )
    .await
    .map_err(|e| match e {
        DiagnoseRequestError::Measure { set, source } => {
            let which = picks
                .sets
                .iter()
                .zip(DataSet::ALL)
                .find(|(_, s)| s.label() == set)
                .and_then(|(d, _)| d.map(|d| d.name.as_str()))
                .unwrap_or(set);
            format!("{which} ({set} set): {}: {source}", picks.model.name)
        }
        e => e.to_string(),
    })
}

/// The report's JSON (as `lockstep diagnose --format json` writes it), Markdown and HTML.
pub fn exports(report: &DiagnoseReport) -> Result<[String; 3], String> {
    let mut json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    json.push('\n');
    Ok([json, markdown(report), html(report)])
}

/// One line of the gaps table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapRow {
    pub name: &'static str,
    /// To 4 decimals, as the CLI's Markdown writes it.
    pub estimate: String,
    /// `[lo, hi]`, or words when no sampling error is known.
    pub interval: String,
    /// The interval lies above 0.
    pub distinguishable: bool,
    pub dominant: bool,
}

/// The four gaps (those measured) as the page shows them.
pub fn gap_rows(d: &Diagnosis) -> Vec<GapRow> {
    d.gaps
        .iter()
        .map(|g| GapRow {
            name: g.gap.label(),
            estimate: format!("{:.4}", g.estimate),
            interval: match (g.lower, g.upper) {
                (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
                _ => "no sampling error known".to_owned(),
            },
            distinguishable: g.distinguishable,
            dominant: d.dominant == Some(g.gap),
        })
        .collect()
}

/// The dominant gap in words: named only when its interval excludes 0.
pub fn dominant_text(d: &Diagnosis) -> String {
    match d.dominant {
        Some(g) => format!(
            "Dominant: {} (the largest gap whose {} % interval excludes 0)",
            g.label(),
            lockstep_core::report::export::format::number(d.confidence * 100.0)
        ),
        None => "No gap's interval excludes 0: none is dominant".to_owned(),
    }
}

/// Each set's error as the page shows it: (set, error to 4 decimals, rows, source).
pub fn set_rows(d: &Diagnosis) -> Vec<(String, String, String, String)> {
    let mut rows: Vec<_> = d
        .sets
        .iter()
        .map(|s| {
            (
                s.set.label().to_owned(),
                format!("{:.4}", s.value),
                s.rows.map_or_else(|| "–".to_owned(), |r| r.to_string()),
                s.source.clone(),
            )
        })
        .collect();
    if let Some(o) = &d.optimal {
        rows.push((
            "optimal".to_owned(),
            format!("{:.4}", o.value),
            "–".to_owned(),
            o.source.label(),
        ));
    }
    rows
}

/// `(row_id, tag)` pairs of the tags on `sample`'s rows (tags on rows that are not
/// among the listed errors are left out).
pub fn tag_pairs(sample: &ErrorSample, tags: &[RowTag]) -> Vec<(String, String)> {
    tags.iter()
        .filter_map(|t| {
            sample
                .errors
                .iter()
                .find(|e| e.row == t.row)
                .map(|e| (e.row_id.clone(), t.tag.clone()))
        })
        .collect()
}

/// The tags as the CSV `lockstep diagnose --tags` reads (`row_id,tag`, a header line).
pub fn tags_csv(sample: &ErrorSample, tags: &[RowTag]) -> String {
    let mut out = String::from("row_id,tag\n");
    for (id, tag) in tag_pairs(sample, tags) {
        out.push_str(&csv_field(&id));
        out.push(',');
        out.push_str(&csv_field(&tag));
        out.push('\n');
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.trim() != text {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Each tag's share of the listed errors with its Wilson interval (core's
/// [`tag_shares`], what `lockstep diagnose --tags` reports).
pub fn tag_report(
    sample: &ErrorSample,
    tags: &[RowTag],
    confidence: f64,
) -> Result<TagReport, String> {
    tag_shares(sample, &tag_pairs(sample, tags), confidence).map_err(|e| e.to_string())
}

/// The report with the tags' shares, and its exports: what `lockstep diagnose --tags`
/// would write for the same tags.
pub fn with_tags(report: &DiagnoseReport, tags: &[RowTag]) -> Result<DiagnoseReport, String> {
    let mut out = report.clone();
    if let Some(sample) = &report.errors {
        out.tags = if tags.is_empty() {
            None
        } else {
            Some(tag_report(sample, tags, report.diagnosis.confidence)?)
        };
    }
    Ok(out)
}

/// Normalises a typed tag: trimmed, inner whitespace collapsed; `None` when empty.
pub fn clean_tag(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Adds `tag` to `row` (once); returns whether it was new.
pub fn add_tag(tags: &mut Vec<RowTag>, row: u64, tag: &str) -> bool {
    let Some(tag) = clean_tag(tag) else {
        return false;
    };
    if tags.iter().any(|t| t.row == row && t.tag == tag) {
        return false;
    }
    tags.push(RowTag { row, tag });
    true
}

/// Removes `tag` from `row`.
pub fn remove_tag(tags: &mut Vec<RowTag>, row: u64, tag: &str) {
    tags.retain(|t| !(t.row == row && t.tag == tag));
}

/// The tags used so far that complete `typed` (case-insensitive prefix first, then
/// containing it), most used first, then by name; at most `max`.
pub fn suggestions(tags: &[RowTag], typed: &str, max: usize) -> Vec<String> {
    let typed = typed.trim().to_lowercase();
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for t in tags {
        *counts.entry(t.tag.as_str()).or_default() += 1;
    }
    let mut found: Vec<(u8, usize, &str)> = counts
        .into_iter()
        .filter_map(|(tag, n)| {
            let lower = tag.to_lowercase();
            let rank = if lower.starts_with(&typed) {
                0
            } else if lower.contains(&typed) {
                1
            } else {
                return None;
            };
            Some((rank, n, tag))
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    found
        .into_iter()
        .take(max)
        .map(|(_, _, t)| t.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use lockstep_core::diagnose::errors::ErrorRow;

    fn sample(rows: &[(u64, &str)]) -> ErrorSample {
        ErrorSample {
            limit: 100,
            seed: 0,
            eyeball_rows: 50,
            examined_rows: 50,
            errors: rows
                .iter()
                .map(|&(row, id)| ErrorRow {
                    row_id: id.to_owned(),
                    row,
                    label: "1".into(),
                    predicted: "0".into(),
                    confidence: 0.9,
                    features: vec![],
                })
                .collect(),
        }
    }

    #[test]
    fn boxes_parse_with_named_errors() {
        assert_eq!(parse_optimal("", "human").unwrap(), None);
        let o = parse_optimal(" 0.02 ", "bayes").unwrap().unwrap();
        assert_eq!((o.value, o.source), (0.02, OptimalSource::BayesRate));
        assert!(parse_optimal("x", "human").unwrap_err().contains("`x`"));
        assert!(
            parse_optimal("1.5", "human")
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert_eq!(parse_limit("").unwrap(), 100);
        assert_eq!(parse_limit("7").unwrap(), 7);
        assert!(parse_limit("0").is_err());
        assert!(parse_limit("-3").is_err());
        assert_eq!(parse_seed("").unwrap(), 0);
        assert!(parse_seed("1.5").is_err());
        assert_eq!(parse_curves(" ").unwrap(), None);
        assert!(parse_curves("a,b\n1,2\n").unwrap_err().contains("size"));
    }

    /// The page's tags give core's shares, and the CSV it offers reads back (core's
    /// `parse_tags`, as `lockstep diagnose --tags` reads it) to the same shares.
    #[test]
    fn tags_give_core_s_shares_and_a_csv_the_cli_reads() {
        let s = sample(&[(3, "3"), (9, "9"), (12, "12"), (20, "20")]);
        let mut tags = Vec::new();
        assert!(add_tag(&mut tags, 3, "  blurry   image "));
        assert!(!add_tag(&mut tags, 3, "blurry image"));
        assert!(!add_tag(&mut tags, 3, "   "));
        assert!(add_tag(&mut tags, 9, "blurry image"));
        assert!(add_tag(&mut tags, 9, "label, wrong"));
        assert!(add_tag(&mut tags, 99, "not an error row"));
        let report = tag_report(&s, &tags, 0.95).unwrap();
        let blurry = report
            .shares
            .iter()
            .find(|t| t.tag == "blurry image")
            .unwrap();
        assert_eq!((blurry.count, blurry.share), (2, 0.5));
        let (lo, hi) = lockstep_core::metrics::normal::wilson_interval(2, 4, 0.95);
        assert_eq!((blurry.lower, blurry.upper), (lo, hi));
        let csv = tags_csv(&s, &tags);
        assert_eq!(
            csv,
            "row_id,tag\n3,blurry image\n9,blurry image\n9,\"label, wrong\"\n"
        );
        let parsed = lockstep_core::diagnose::errors::parse_tags(&csv).unwrap();
        assert_eq!(tag_shares(&s, &parsed, 0.95).unwrap(), report);
        remove_tag(&mut tags, 9, "blurry image");
        assert_eq!(tag_report(&s, &tags, 0.95).unwrap().shares[0].count, 1);
    }

    #[test]
    fn suggestions_complete_what_is_typed_most_used_first() {
        let mut tags = Vec::new();
        add_tag(&mut tags, 1, "blurry");
        add_tag(&mut tags, 2, "blurry");
        add_tag(&mut tags, 3, "Boundary");
        add_tag(&mut tags, 4, "label noise");
        // Prefix matches first (most used first), then those that contain it.
        assert_eq!(
            suggestions(&tags, "b", 5),
            ["blurry", "Boundary", "label noise"]
        );
        assert_eq!(suggestions(&tags, "BOU", 5), ["Boundary"]);
        assert_eq!(suggestions(&tags, "noise", 5), ["label noise"]);
        assert_eq!(suggestions(&tags, "", 1), ["blurry"]);
        assert!(suggestions(&tags, "zzz", 5).is_empty());
    }
}
