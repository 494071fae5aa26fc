//! What the transforms panel shows about a fitted pipeline: its input schema, every
//! step's fitted statistics, its output features, and the first rows of the feature
//! matrix it makes from the loaded table.
//!
//! Plain functions over `lockstep-core` types, tested natively; errors come back as
//! the core's message, ready to show.

use lockstep_core::table::Table;
use lockstep_core::transform::{self, FittedPipeline, FittedStep, PipelineSpec, Source};

/// Rows of the feature matrix shown in the page.
pub const PREVIEW_ROWS: usize = 10;

/// Categories, edges or features listed before the rest is summarised as a count.
const MAX_LISTED: usize = 20;

/// Reads a spec written in JSON (when it starts with `{`) or TOML.
pub fn parse_spec(text: &str) -> Result<PipelineSpec, String> {
    let parsed = if text.trim_start().starts_with('{') {
        PipelineSpec::from_json(text)
    } else {
        PipelineSpec::from_toml(text)
    };
    parsed.map_err(|e| format!("invalid spec: {e}"))
}

/// Parses `spec` and fits it on `train`.
pub fn fit_spec(spec: &str, train: &Table) -> Result<FittedPipeline, String> {
    fit_parsed(&parse_spec(spec)?, train)
}

/// Fits a parsed spec on `train`.
pub fn fit_parsed(spec: &PipelineSpec, train: &Table) -> Result<FittedPipeline, String> {
    transform::fit(spec, train).map_err(|e| format!("cannot fit the spec: {e}"))
}

/// Reads a fitted pipeline (`pipeline.json` from `lockstep fit` or this page).
pub fn read_fitted(bytes: &[u8]) -> Result<FittedPipeline, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("the fitted pipeline is not UTF-8 text: {e}"))?;
    FittedPipeline::from_json(text).map_err(|e| e.to_string())
}

/// `items` joined with `, `, the ones past [`MAX_LISTED`] summarised as a count.
pub fn list_preview<T: AsRef<str>>(items: &[T]) -> String {
    let shown: Vec<&str> = items.iter().take(MAX_LISTED).map(AsRef::as_ref).collect();
    let mut text = shown.join(", ");
    if items.len() > MAX_LISTED {
        text.push_str(&format!(" … (+{} more)", items.len() - MAX_LISTED));
    }
    text
}

/// One input column as the pipeline saw it in training.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRow {
    pub name: String,
    pub data_type: &'static str,
    pub nullable: &'static str,
    pub categories: String,
}

/// The pipeline's input schema, one row per column read.
pub fn schema_rows(pipeline: &FittedPipeline) -> Vec<SchemaRow> {
    pipeline
        .input_schema()
        .iter()
        .map(|c| SchemaRow {
            name: c.name.clone(),
            data_type: c.data_type.name(),
            nullable: if c.nullable { "yes" } else { "no" },
            categories: c
                .categories
                .as_deref()
                .map_or_else(|| "—".to_owned(), list_preview),
        })
        .collect()
}

/// One fitted step of one block.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    /// The block's output name.
    pub block: String,
    /// The input column, or the two crossed columns.
    pub source: String,
    pub step: &'static str,
    pub statistics: String,
    /// The block's output features.
    pub features: String,
}

/// Every fitted step of every block, in output order.
pub fn step_rows(pipeline: &FittedPipeline) -> Vec<StepRow> {
    let names = pipeline.feature_names();
    pipeline
        .blocks()
        .iter()
        .flat_map(|block| {
            let source = match &block.source {
                Source::Column { name } => name.clone(),
                Source::Cross { columns, .. } => format!("{} × {}", columns[0], columns[1]),
            };
            let end = block.offset.saturating_add(block.width).min(names.len());
            let features = list_preview(names.get(block.offset..end).unwrap_or_default());
            let steps: Vec<&FittedStep> = block.steps.iter().collect();
            let steps = if steps.is_empty() {
                vec![&FittedStep::Passthrough]
            } else {
                steps
            };
            steps
                .into_iter()
                .map(|step| StepRow {
                    block: block.name.clone(),
                    source: source.clone(),
                    step: step.kind(),
                    statistics: describe_step(step),
                    features: features.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn numbers(values: &[f64]) -> String {
    let texts: Vec<String> = values.iter().map(f64::to_string).collect();
    list_preview(&texts)
}

/// A step's fitted statistics in words.
pub fn describe_step(step: &FittedStep) -> String {
    match step {
        FittedStep::ImputeNumber { strategy, value } => {
            format!("{} → fill {value}", strategy_name(*strategy))
        }
        FittedStep::ImputeCategory { strategy, value } => {
            format!("{} → fill `{value}`", strategy_name(*strategy))
        }
        FittedStep::Standardize { mean, scale } => format!("mean {mean}, scale {scale}"),
        FittedStep::MinMax {
            data_min,
            data_max,
            scale,
            offset,
        } => format!("min {data_min}, max {data_max} (x × {scale} + {offset})"),
        FittedStep::Log1p => "ln(1 + x)".to_owned(),
        FittedStep::Clip { min, max } => {
            let bound = |b: &Option<f64>| b.map_or_else(|| "none".to_owned(), |v| v.to_string());
            format!("min {}, max {}", bound(min), bound(max))
        }
        FittedStep::Bucketize { inner_edges } => format!(
            "{} bins, edges {}",
            inner_edges.len() + 1,
            numbers(inner_edges)
        ),
        FittedStep::OneHot {
            categories,
            infrequent,
            handle_unknown,
        } => {
            let mut text = format!(
                "{} categories: {}",
                categories.len(),
                list_preview(categories)
            );
            if !infrequent.is_empty() {
                text.push_str(&format!("; infrequent: {}", list_preview(infrequent)));
            }
            text.push_str(match handle_unknown {
                transform::HandleUnknown::Ignore => "; unknown → all 0",
                transform::HandleUnknown::InfrequentIfExist => "; unknown → infrequent",
            });
            text
        }
        FittedStep::Ordinal {
            categories,
            unknown_value,
        } => format!(
            "{} categories: {}; unknown → {unknown_value}",
            categories.len(),
            list_preview(categories)
        ),
        FittedStep::Hash {
            n_features,
            alternate_sign,
        } => format!(
            "{n_features} features{}",
            if *alternate_sign {
                ", alternating sign"
            } else {
                ""
            }
        ),
        FittedStep::Passthrough => "unchanged".to_owned(),
    }
}

fn strategy_name(strategy: transform::ImputeStrategy) -> &'static str {
    match strategy {
        transform::ImputeStrategy::Mean => "mean",
        transform::ImputeStrategy::Median => "median",
        transform::ImputeStrategy::MostFrequent => "most frequent",
        transform::ImputeStrategy::Constant => "constant",
    }
}

/// Unseen categories of one encoded block.
#[derive(Debug, Clone, PartialEq)]
pub struct OovRow {
    pub column: String,
    pub rows: u64,
    pub distinct: usize,
    pub examples: String,
}

/// The first rows of the feature matrix made from the loaded table.
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturePreview {
    pub feature_names: Vec<String>,
    pub rows: usize,
    /// The first [`PREVIEW_ROWS`] rows, each value as the shortest text that reads back
    /// to the same `f32`.
    pub first_rows: Vec<Vec<String>>,
    /// One row per encoded block with unseen categories.
    pub oov: Vec<OovRow>,
}

/// Applies `pipeline` to `table` and keeps what the page shows.
pub fn preview_features(
    pipeline: &FittedPipeline,
    table: &Table,
) -> Result<FeaturePreview, String> {
    let matrix = transform::apply(pipeline, table)
        .map_err(|e| format!("cannot apply the pipeline to the data: {e}"))?;
    let first_rows = (0..matrix.num_rows().min(PREVIEW_ROWS))
        .filter_map(|r| matrix.row(r))
        .map(|row| row.iter().map(f32::to_string).collect())
        .collect();
    Ok(FeaturePreview {
        feature_names: matrix.feature_names().to_vec(),
        rows: matrix.num_rows(),
        first_rows,
        oov: matrix
            .oov()
            .iter()
            .filter(|o| o.rows > 0)
            .map(|o| OovRow {
                column: o.column.clone(),
                rows: o.rows,
                distinct: o.distinct,
                examples: list_preview(&o.examples),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_core::table::CsvOptions;

    fn table(text: &str) -> Table {
        Table::from_csv(text.as_bytes(), &CsvOptions::default()).unwrap()
    }

    const TRAIN: &str = "x,city,n\n1.5,paris,3\n2.5,rome,\n4.0,paris,7\n6.0,oslo,1\n";
    const SPEC: &str = r#"
[[columns]]
name = "x"
steps = [{ step = "standardize" }]

[[columns]]
name = "n"
steps = [{ step = "impute", strategy = "median" }, { step = "bucketize", quantiles = 2 }]

[[columns]]
name = "city"
steps = [{ step = "one_hot" }]
"#;

    #[test]
    fn toml_and_json_specs_fit_to_the_same_pipeline() {
        let train = table(TRAIN);
        let from_toml = fit_spec(SPEC, &train).unwrap();
        let json = serde_json::to_string(&parse_spec(SPEC).unwrap()).unwrap();
        let from_json = fit_spec(&json, &train).unwrap();
        assert_eq!(from_toml.fingerprint(), from_json.fingerprint());
        let reread = read_fitted(from_toml.to_json().unwrap().as_bytes()).unwrap();
        assert_eq!(reread, from_toml);
    }

    #[test]
    fn the_report_lists_every_fitted_statistic() {
        let pipeline = fit_spec(SPEC, &table(TRAIN)).unwrap();
        let schema = schema_rows(&pipeline);
        let names: Vec<&str> = schema.iter().map(|r| r.name.as_str()).collect();
        let expected: Vec<&str> = pipeline
            .input_schema()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, expected);
        let n = schema.iter().find(|r| r.name == "n").unwrap();
        assert_eq!((n.data_type, n.nullable), ("int64", "yes"));
        let city = schema.iter().find(|r| r.name == "city").unwrap();
        assert_eq!(city.categories, "oslo, paris, rome");

        let rows = step_rows(&pipeline);
        let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r.block.as_str(), r.step)).collect();
        assert_eq!(
            kinds,
            [
                ("x", "standardize"),
                ("n", "impute"),
                ("n", "bucketize"),
                ("city", "one_hot")
            ]
        );
        // Each row shows the statistics the core fitted, not a rounded copy.
        for (row, block) in rows.iter().zip(
            pipeline
                .blocks()
                .iter()
                .flat_map(|b| b.steps.iter().map(move |s| (b, s))),
        ) {
            assert_eq!(row.statistics, describe_step(block.1));
            let features = &pipeline.feature_names()[block.0.offset..][..block.0.width];
            assert_eq!(row.features, features.join(", "));
        }
        let FittedStep::Standardize { mean, scale } = pipeline.blocks()[0].steps[0] else {
            panic!("x is standardized");
        };
        assert_eq!(rows[0].statistics, format!("mean {mean}, scale {scale}"));
    }

    #[test]
    fn the_preview_shows_the_first_rows_and_unseen_categories() {
        let pipeline = fit_spec(SPEC, &table(TRAIN)).unwrap();
        let eval = table("x,city,n\n2,rome,1\n3,lima,2\n5,lima,3\n");
        let preview = preview_features(&pipeline, &eval).unwrap();
        assert_eq!(preview.feature_names, pipeline.feature_names());
        assert_eq!(preview.rows, 3);
        let matrix = transform::apply(&pipeline, &eval).unwrap();
        for (r, row) in preview.first_rows.iter().enumerate() {
            let expected: Vec<String> = matrix.row(r).unwrap().iter().map(f32::to_string).collect();
            assert_eq!(*row, expected);
        }
        assert_eq!(
            preview.oov,
            [OovRow {
                column: "city".into(),
                rows: 2,
                distinct: 1,
                examples: "lima".into()
            }]
        );
    }

    #[test]
    fn errors_are_the_core_messages() {
        let train = table(TRAIN);
        let err = fit_spec("[[columns]]\nname = \"nope\"\n", &train).unwrap_err();
        assert!(err.contains("nope"), "{err}");
        let err = fit_spec("[[columns]\n", &train).unwrap_err();
        assert!(err.starts_with("invalid spec:"), "{err}");
        let err = read_fitted(b"{\"format_version\": 1}").unwrap_err();
        assert!(!err.is_empty());
        let pipeline = fit_spec(SPEC, &train).unwrap();
        let err = preview_features(&pipeline, &table("x\n1\n")).unwrap_err();
        assert!(
            err.starts_with("cannot apply the pipeline to the data: no column named"),
            "{err}"
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let items: Vec<String> = (0..25).map(|i| format!("c{i}")).collect();
        let text = list_preview(&items);
        assert!(text.starts_with("c0, c1,"), "{text}");
        assert!(text.ends_with("c19 … (+5 more)"), "{text}");
    }
}
