//! Error analysis: the misclassified rows of the eyeball split a person reads and
//! tags, and each tag's share of the errors with a Wilson interval — the ceiling on
//! what fixing that kind of error can gain.
//!
//! # Sampling
//!
//! The eyeball rows are visited in a seeded random order (Fisher–Yates with
//! [`SplitMix64`]`(seed)`) until `limit` errors are found, so the listed errors are a
//! simple random sample of the eyeball errors and the tag shares estimate the
//! shares among all of them. The list is then ordered by the model's confidence in
//! its wrong prediction, highest first (ties by row).
//!
//! Tags come from a CSV of `row_id,tag` (one tag per line; a row may have several).
//! A row id is the split's key: the key column's text, else the 1-based row number.

use serde::{Deserialize, Serialize};

use crate::metrics::bootstrap::SplitMix64;
use crate::metrics::normal::wilson_interval;
use crate::metrics::split::Split;
use crate::report::rows::RowOutcomes;
use crate::table::{ColumnData, Table};

/// One misclassified row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorRow {
    /// The row's id: the key column's text, else its 1-based number.
    pub row_id: String,
    /// 1-based row number in the data.
    pub row: u64,
    pub label: String,
    pub predicted: String,
    /// The model's probability for its (wrong) prediction; 1 for hard predictions.
    pub confidence: f64,
    /// Every column's value as text (`null` for a missing value).
    pub features: Vec<(String, String)>,
}

/// The sampled errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorSample {
    pub limit: usize,
    pub seed: u64,
    pub eyeball_rows: u64,
    /// Eyeball rows visited to collect the errors.
    pub examined_rows: u64,
    /// Highest confidence first.
    pub errors: Vec<ErrorRow>,
}

/// Why error analysis could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorAnalysisError {
    #[error("the error limit must be at least 1")]
    ZeroLimit,
    #[error("the outcomes cover {outcomes} rows but the table has {rows}")]
    RowMismatch { outcomes: usize, rows: usize },
    #[error("tags CSV: {0}")]
    TagsCsv(String),
    #[error("tags CSV line {line}: {problem}")]
    TagsLine { line: usize, problem: String },
    #[error("confidence {value} must be strictly between 0 and 1")]
    Confidence { value: f64 },
}

/// A cell as text.
fn cell_text(data: &ColumnData, row: usize) -> String {
    if row >= data.len() || data.is_null(row) {
        return "null".to_owned();
    }
    let text = match data {
        ColumnData::Bool(a) => Some(a.value(row).to_string()),
        ColumnData::Int64(a) => Some(a.value(row).to_string()),
        ColumnData::Float64(a) => Some(a.value(row).to_string()),
        ColumnData::Str(s) => s.get(row).map(str::to_owned),
    };
    text.unwrap_or_else(|| "null".to_owned())
}

/// The row id of every row: the key column's text, else the 1-based row number.
pub fn row_ids(table: &Table, key_column: Option<&str>) -> Vec<String> {
    match key_column.and_then(|k| table.column(k).ok()) {
        Some(column) => (0..table.num_rows())
            .map(|r| cell_text(column.data(), r))
            .collect(),
        None => (1..=table.num_rows()).map(|r| r.to_string()).collect(),
    }
}

/// Samples up to `limit` misclassified eyeball rows (see the module docs).
pub fn sample_errors(
    table: &Table,
    outcomes: &RowOutcomes,
    split: &Split,
    key_column: Option<&str>,
    limit: usize,
    seed: u64,
) -> Result<ErrorSample, ErrorAnalysisError> {
    if limit == 0 {
        return Err(ErrorAnalysisError::ZeroLimit);
    }
    if outcomes.labels.len() != table.num_rows() {
        return Err(ErrorAnalysisError::RowMismatch {
            outcomes: outcomes.labels.len(),
            rows: table.num_rows(),
        });
    }
    let mut order: Vec<u32> = split.eyeball.clone();
    let mut rng = SplitMix64::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let ids = row_ids(table, key_column);
    let class = |c: u32| {
        outcomes
            .classes
            .get(c as usize)
            .cloned()
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    let mut examined = 0u64;
    for &row in &order {
        if errors.len() == limit {
            break;
        }
        examined += 1;
        let r = row as usize;
        if !outcomes.is_error(r) {
            continue;
        }
        errors.push(ErrorRow {
            row_id: ids.get(r).cloned().unwrap_or_default(),
            row: row as u64 + 1,
            label: class(outcomes.labels[r]),
            predicted: class(outcomes.predicted[r]),
            confidence: outcomes.confidence[r],
            features: table
                .columns()
                .iter()
                .map(|c| (c.name().to_owned(), cell_text(c.data(), r)))
                .collect(),
        });
    }
    errors.sort_by(|a, b| {
        b.confidence
            .total_cmp(&a.confidence)
            .then(a.row.cmp(&b.row))
    });
    Ok(ErrorSample {
        limit,
        seed,
        eyeball_rows: split.eyeball.len() as u64,
        examined_rows: examined,
        errors,
    })
}

/// Reads `row_id,tag` lines (a header line `row_id,tag` is skipped).
pub fn parse_tags(text: &str) -> Result<Vec<(String, String)>, ErrorAnalysisError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut tags = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ErrorAnalysisError::TagsCsv(e.to_string()))?;
        let line = i + 1;
        if record.len() != 2 {
            return Err(ErrorAnalysisError::TagsLine {
                line,
                problem: format!("expected 2 fields (row_id,tag), found {}", record.len()),
            });
        }
        let (id, tag) = (&record[0], &record[1]);
        if line == 1 && id == "row_id" && tag == "tag" {
            continue;
        }
        if id.is_empty() || tag.is_empty() {
            return Err(ErrorAnalysisError::TagsLine {
                line,
                problem: "empty row id or tag".to_owned(),
            });
        }
        tags.push((id.to_owned(), tag.to_owned()));
    }
    Ok(tags)
}

/// One tag's share of the listed errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TagShare {
    pub tag: String,
    pub count: u64,
    pub share: f64,
    /// Wilson score interval at the report's confidence.
    pub lower: f64,
    pub upper: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TagReport {
    /// The listed errors (the shares' denominator).
    pub errors: u64,
    pub confidence: f64,
    /// Largest share first.
    pub shares: Vec<TagShare>,
    /// Row ids in the tags file that are not among the listed errors (ignored).
    pub unknown_rows: Vec<String>,
}

/// Each tag's share of `sample`'s errors, with a Wilson interval.
pub fn tag_shares(
    sample: &ErrorSample,
    tags: &[(String, String)],
    confidence: f64,
) -> Result<TagReport, ErrorAnalysisError> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(ErrorAnalysisError::Confidence { value: confidence });
    }
    let listed: std::collections::HashSet<&str> =
        sample.errors.iter().map(|e| e.row_id.as_str()).collect();
    let mut per_tag: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        std::collections::BTreeMap::new();
    let mut unknown = std::collections::BTreeSet::new();
    for (id, tag) in tags {
        if listed.contains(id.as_str()) {
            per_tag.entry(tag).or_default().insert(id);
        } else {
            unknown.insert(id.clone());
        }
    }
    let n = sample.errors.len() as u64;
    let mut shares: Vec<TagShare> = per_tag
        .into_iter()
        .map(|(tag, rows)| {
            let count = rows.len() as u64;
            let (lower, upper) = wilson_interval(count, n, confidence);
            TagShare {
                tag: tag.to_owned(),
                count,
                share: if n == 0 { 0.0 } else { count as f64 / n as f64 },
                lower,
                upper,
            }
        })
        .collect();
    shares.sort_by(|a, b| b.count.cmp(&a.count).then(a.tag.cmp(&b.tag)));
    Ok(TagReport {
        errors: n,
        confidence,
        shares,
        unknown_rows: unknown.into_iter().collect(),
    })
}
