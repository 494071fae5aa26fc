//! The comparison report: its committed JSON Schema equals the types'; decisions and
//! point thresholds decide as documented (docs/compare.md); exports are well formed;
//! bad inputs are named errors.
//!
//! After an intended change to the report: `UPDATE_SCHEMA=1 cargo test -p
//! lockstep-core --test compare_report`, and bump `COMPARE_SCHEMA_VERSION` unless the
//! change only adds fields.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use lockstep_core::compare::schema::{report_schema, schema_id};
use lockstep_core::compare::types::{CheckKind, ModelSide};
use lockstep_core::compare::{
    COMPARE_SCHEMA_VERSION, CompareConfig, CompareError, ComparisonReport, SidePredictions,
    compare, export,
};
use lockstep_core::report::types::PredictionKind;
use lockstep_core::report::{Predictions, SettingsFormat};
use lockstep_core::table::{CsvOptions, Table};

fn table(csv: &str) -> Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/compare")
        .join(csv);
    Table::from_csv(&std::fs::read(path).unwrap(), &CsvOptions::default()).unwrap()
}

fn side<'a>(table: &'a Table, predictions: Predictions) -> SidePredictions<'a> {
    SidePredictions {
        table,
        predictions,
        info: ModelSide {
            name: "m".to_owned(),
            prediction_kind: PredictionKind::Labels,
            prediction_columns: Vec::new(),
            fingerprints: Default::default(),
            latency_ms_per_row: None,
        },
    }
}

fn config(toml: &str) -> CompareConfig {
    let mut c = CompareConfig::from_settings(toml, SettingsFormat::Toml).unwrap();
    c.bootstrap.replicates = 100;
    c
}

/// The breast-cancer scores of the fixture: the challenger ranks worse (ROC-AUC
/// −0.025, 90 % interval wholly below 0), its accuracy is 0.0246 lower.
fn binary(config: &CompareConfig) -> Result<ComparisonReport, CompareError> {
    let t = table("binary_scores.csv");
    compare(
        "label",
        &side(&t, Predictions::Score("champion".into())),
        &side(&t, Predictions::Score("challenger".into())),
        config,
        None,
    )
}

#[test]
fn committed_schema_matches_the_types() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema/compare-report.schema.json");
    let generated = report_schema().unwrap();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; write it with UPDATE_SCHEMA=1", path.display()));
    assert!(
        committed == generated,
        "{} is stale: rerun with UPDATE_SCHEMA=1 (and bump COMPARE_SCHEMA_VERSION if fields changed meaning)",
        path.display()
    );
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(schema["$id"], schema_id());
    assert!(schema_id().contains(COMPARE_SCHEMA_VERSION));
    // Every property of a report serialised today is declared by the schema.
    let report = binary(&config("")).unwrap();
    let value = serde_json::to_value(&report).unwrap();
    for key in value.as_object().unwrap().keys() {
        assert!(
            schema["properties"].get(key).is_some(),
            "{key} is not in the schema"
        );
    }
    let back = export::from_json(&export::json(&report).unwrap()).unwrap();
    assert_eq!(back, report);
}

#[test]
fn decisions_read_the_sign_aware_interval() {
    let report = binary(&config(
        r#"
[[decision]]
metric = "roc_auc"
test = "non_inferiority"
margin = 0.05
[[decision]]
metric = "roc_auc"
test = "non_inferiority"
margin = 0.05
interval = "delong"
[[decision]]
metric = "log_loss"
test = "superiority"
[[decision]]
metric = "log_loss"
test = "non_inferiority"
margin = 2.0
[[decision]]
metric = "roc_auc"
test = "superiority"
"#,
    ))
    .unwrap();
    let passed: Vec<bool> = report.checks.iter().map(|c| c.passed).collect();
    // ROC-AUC within 0.05 (both intervals), log loss not better (lower is better:
    // the improvement is champion − challenger, here −0.91 [−1.37, −0.41]), within 2.0, not superior on AUC.
    assert_eq!(
        passed,
        [true, true, false, true, false],
        "{:#?}",
        report.checks
    );
    let log_loss = report
        .metrics
        .iter()
        .find(|m| m.name == "log_loss")
        .unwrap();
    assert!(!log_loss.higher_is_better);
    assert!(report.checks[2].reason.contains("lower is better"));
    assert!(!report.verdict.accepted);
    assert!(report.verdict.summary.contains("2 of 5 checks fail"));
}

#[test]
fn point_thresholds_translate_tfma_and_mlflow() {
    let report = binary(&config(
        r#"
[[threshold_check]]          # MLflow MetricThreshold(threshold=0.9, greater_is_better=True)
metric = "accuracy"
lower_bound = 0.9
[[threshold_check]]          # TFMA change_threshold: absolute -1e-10, HIGHER_IS_BETTER
metric = "accuracy"
min_absolute_change = -1e-10
[[threshold_check]]          # MLflow min_relative_change on a lower-is-better metric
metric = "brier_score"
min_relative_change = -10.0
[[threshold_check]]          # TFMA value_threshold upper_bound
metric = "log_loss"
upper_bound = 0.001
[[satisficing]]
metric = "recall"
min = 0.5
"#,
    ))
    .unwrap();
    let kinds: Vec<CheckKind> = report.checks.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds[0],
        CheckKind::Satisficing,
        "satisficing is listed before thresholds"
    );
    let passed: Vec<bool> = report.checks.iter().map(|c| c.passed).collect();
    // recall ≥ 0.5 holds; accuracy ≥ 0.9 holds; its change is negative; the Brier
    // score worsens by far less than 1000 %; log loss is far above 0.001.
    assert_eq!(
        passed,
        [true, true, false, true, false],
        "{:#?}",
        report.checks
    );
}

#[test]
fn exports_are_well_formed_and_escape_names() {
    let mut report = binary(&config("")).unwrap();
    report.champion.name = "<b>&champion|".to_owned();
    let md = export::markdown(&report);
    assert!(md.contains("# Champion vs challenger"));
    assert!(md.contains("❌ **REJECTED**"));
    // In a code span: shown literally, `|` escaped for the table.
    assert!(md.contains("`<b>&champion\\|`"), "{md}");
    let html = export::html(&report);
    assert!(html.contains("&lt;b&gt;&amp;champion|"));
    assert!(!html.contains("<b>&champion"));
    let junit = export::junit(&report);
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("failures"), Some("1"));
    assert!(junit.contains("non-inferiority roc_auc (default)"));
}

#[test]
fn bad_inputs_are_named_errors() {
    let t = table("binary_scores.csv");
    let short = t.slice(0, 10).unwrap();
    let err = compare(
        "label",
        &side(&t, Predictions::Score("champion".into())),
        &side(&short, Predictions::Score("challenger".into())),
        &CompareConfig::default(),
        None,
    )
    .unwrap_err();
    assert_eq!(
        err,
        CompareError::RowCountMismatch {
            champion: t.num_rows(),
            challenger: 10
        }
    );
    let err = binary(&config(
        "[[decision]]\nmetric = \"auc\"\ntest = \"superiority\"\n",
    ))
    .unwrap_err();
    assert!(
        matches!(&err, CompareError::UnknownMetric { metric, .. } if metric == "auc"),
        "{err}"
    );
    let err = binary(&config(
        "[[decision]]\nmetric = \"accuracy\"\ntest = \"superiority\"\ninterval = \"delong\"\n",
    ))
    .unwrap_err();
    assert!(err.to_string().contains("`roc_auc` only"), "{err}");
    let err = compare(
        "label",
        &side(&t, Predictions::Score("champion".into())),
        &side(&t, Predictions::Score("missing".into())),
        &CompareConfig::default(),
        None,
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("the challenger: "), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
}

/// Each side's own estimate is the one `lockstep eval` reports for that model alone, and
/// so is its interval when both draw the same resamples (same seed, rows in the same
/// order: regression). For a binary score column the report numbers the rows by
/// descending score before resampling (`bootstrap::descending_score_order`, a speed
/// measure), which a paired comparison cannot do for two models at once: the same
/// Poisson bootstrap on another row numbering, so the bounds agree within Monte Carlo
/// error (each within half the evaluation's interval width at 50 replicates), not bit
/// for bit.
#[test]
fn each_side_equals_its_own_evaluation() {
    use lockstep_core::report::{EvalConfig, evaluate};
    let check = |csv: &str, label: &str, champion: Predictions, challenger: Predictions| {
        let same_stream = !matches!(champion, Predictions::Score(_));
        let t = table(csv);
        let mut config = CompareConfig::default();
        config.bootstrap.replicates = 50;
        let report = compare(
            label,
            &side(&t, champion.clone()),
            &side(&t, challenger),
            &config,
            None,
        )
        .unwrap();
        let mut eval = EvalConfig::new(label, champion);
        eval.bootstrap.replicates = 50;
        let alone = evaluate(&t, &eval).unwrap();
        for row in &alone.metrics {
            let m = report.metrics.iter().find(|m| m.name == row.name).unwrap();
            if same_stream {
                assert_eq!(
                    (m.champion.estimate, m.champion.lower, m.champion.upper),
                    (row.estimate, row.lower, row.upper),
                    "{csv} {}",
                    row.name
                );
            } else {
                assert_eq!(m.champion.estimate, row.estimate, "{csv} {}", row.name);
                let width = match (row.lower.value(), row.upper.value()) {
                    (Some(lo), Some(hi)) => hi - lo,
                    _ => 0.0,
                };
                for (a, b) in [(m.champion.lower, row.lower), (m.champion.upper, row.upper)] {
                    match (a.value(), b.value()) {
                        (Some(a), Some(b)) => assert!(
                            (a - b).abs() <= width / 2.0,
                            "{csv} {}: {a} vs {b} (interval width {width})",
                            row.name
                        ),
                        (a, b) => assert_eq!(a.is_some(), b.is_some(), "{csv} {}", row.name),
                    }
                }
            }
        }
        report
    };
    let regression = check(
        "../eval/report_regression.csv",
        "price",
        Predictions::Column("predicted".into()),
        Predictions::Column("legacy_estimate".into()),
    );
    assert_eq!(regression.task, lockstep_core::report::TaskKind::Regression);
    assert!(regression.mcnemar.is_none() && regression.delong.is_none());
    assert_eq!(regression.checks[0].metric, "rmse");
    check(
        "binary_scores.csv",
        "label",
        Predictions::Score("champion".into()),
        Predictions::Score("challenger".into()),
    );
}

/// Per-slice deltas (issue 16): each slice's comparison is the whole comparison made
/// on the slice's rows alone (its paired intervals, McNemar's counts), the rows chosen
/// here by reading the CSV line by line, not by the rule language; an empty slice has
/// no metrics and says so; the exports show the slices.
#[test]
fn each_slice_is_the_comparison_on_its_rows() {
    use lockstep_core::compare::compare_slices;
    use lockstep_core::slices::SlicesSpec;
    let config = config("");
    let whole = table("binary_scores.csv");
    let (a, b) = (
        side(&whole, Predictions::Score("champion".into())),
        side(&whole, Predictions::Score("challenger".into())),
    );
    let spec = SlicesSpec::from_toml(
        "[[slice]]\nname = \"confident\"\nwhere = 'champion > 0.9 or champion < 0.1'\n\n[[slice]]\nname = \"none\"\nwhere = 'champion > 2'\n",
    )
    .unwrap();
    let slices = compare_slices("label", &a, &b, &config, &whole, &spec).unwrap();
    assert_eq!(slices.len(), 2);

    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/compare/binary_scores.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let mut subset = format!("{}\n", lines.next().unwrap());
    let mut rows = 0;
    for line in lines {
        let champion: f64 = line.split(',').nth(1).unwrap().parse().unwrap();
        if !(0.1..=0.9).contains(&champion) {
            subset.push_str(line);
            subset.push('\n');
            rows += 1;
        }
    }
    let part = Table::from_csv(subset.as_bytes(), &CsvOptions::default()).unwrap();
    let expected = compare(
        "label",
        &side(&part, Predictions::Score("champion".into())),
        &side(&part, Predictions::Score("challenger".into())),
        &config,
        None,
    )
    .unwrap();
    let confident = &slices[0];
    assert_eq!(confident.name, "confident");
    assert_eq!(confident.rows, rows);
    assert!(rows > 0 && rows < whole.num_rows() as u64);
    assert_eq!(confident.metrics, expected.metrics);
    assert_eq!(confident.mcnemar, expected.mcnemar);
    let none = &slices[1];
    assert_eq!(none.rows, 0);
    assert!(none.metrics.is_empty());
    assert_eq!(none.notes, ["no rows: nothing to compare"]);

    let mut report = binary(&config).unwrap();
    report.slices = slices;
    let md = export::markdown(&report);
    assert!(md.contains("## Slices"), "{md}");
    assert!(md.contains("| `confident` |"), "{md}");
    let html = export::html(&report);
    assert!(
        html.contains("Slice confident ("),
        "the slice's forest plot"
    );
    let back = export::from_json(&export::json(&report).unwrap()).unwrap();
    assert_eq!(back, report);
    // A report without slices has no `slices` key (older readers are unaffected).
    let plain = serde_json::to_value(binary(&config).unwrap()).unwrap();
    assert!(plain.get("slices").is_none());
}

/// Simpson's paradox between the models (scripts/fixtures/gen_compare_simpson.py,
/// values from scikit-learn): the champion's F1 is higher overall and lower in both
/// strata; accuracy, error rate and recall cannot reverse on the same rows, and say
/// so; precision is defined in one stratum only, so it cannot show a reversal. Every
/// export carries it.
#[test]
fn simpson_between_the_models_reverses_f1_and_says_accuracy_cannot() {
    use lockstep_core::compare::simpson::compare_simpson;
    use lockstep_core::slices::SlicesSpec;
    use lockstep_core::slices::simpson::{CompareMetric, SimpsonCheck};
    let t = table("simpson.csv");
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/compare/simpson.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let (a, b) = (
        side(&t, Predictions::Column("champion".into())),
        side(&t, Predictions::Column("challenger".into())),
    );
    let config = config("");
    // No columns named: every column but the label and the predictions.
    for spec in ["", "[[by]]\ncolumns = [\"stratum\"]\n"] {
        let spec = SlicesSpec::from_toml(spec).unwrap();
        let checks = compare_simpson("label", &a, &b, &config, &t, &spec)
            .unwrap()
            .unwrap();
        let metrics: Vec<CompareMetric> = checks.iter().map(|m| m.metric).collect();
        assert_eq!(
            metrics,
            [
                CompareMetric::Accuracy,
                CompareMetric::ErrorRate,
                CompareMetric::Recall,
                CompareMetric::Precision,
                CompareMetric::F1
            ]
        );
        for m in &checks[..3] {
            let SimpsonCheck::Impossible { reason } = &m.check else {
                panic!("{:?} on the same rows cannot reverse", m.metric);
            };
            assert!(reason.contains("cannot lose in every stratum"), "{reason}");
        }
        let value = |stratum: &str, side: &str, metric: &str| {
            let key = if stratum == "all rows" {
                "all rows"
            } else {
                stratum.rsplit('=').next().unwrap()
            };
            expected[key][side][metric].as_f64()
        };
        for (m, name, reversed) in [(&checks[3], "precision", false), (&checks[4], "f1", true)] {
            let SimpsonCheck::Checked { findings } = &m.check else {
                panic!("{name} is searched");
            };
            assert_eq!(findings.len(), 1, "{findings:?}");
            let f = &findings[0];
            assert_eq!(f.partition, "stratum");
            assert_eq!(f.reversed, reversed, "{}", f.message);
            assert_eq!(f.strata.len(), 2);
            for row in std::iter::once(&f.overall).chain(&f.strata) {
                for (i, side) in ["champion", "challenger"].into_iter().enumerate() {
                    let want = value(&row.stratum, side, name);
                    match (row.values[i], want) {
                        (Some(got), Some(want)) => {
                            assert!(
                                (got - want).abs() < 1e-12,
                                "{name} {}: {got} vs {want}",
                                row.stratum
                            )
                        }
                        (got, want) => assert_eq!(got, want, "{name} {}", row.stratum),
                    }
                }
            }
        }
        assert!(
            checks[4].check.reversals()[0].message.starts_with(
                "Overall, champion has the higher F1 (0.25 vs 0.2424), yet challenger is higher in \
                 every one of the 2 strata of stratum: Simpson's paradox."
            ),
            "{}",
            checks[4].check.reversals()[0].message
        );
    }

    // The report carries it in every export (JSON round trip, Markdown, HTML, JUnit).
    let spec = SlicesSpec::from_toml("[[by]]\ncolumns = [\"stratum\"]\n").unwrap();
    let mut report = compare("label", &a, &b, &config, None).unwrap();
    report.simpson = compare_simpson("label", &a, &b, &config, &t, &spec)
        .unwrap()
        .unwrap();
    let json = export::json(&report).unwrap();
    assert_eq!(export::from_json(&json).unwrap(), report);
    let md = export::markdown(&report);
    assert!(md.contains("## Simpson's paradox"), "{md}");
    assert!(md.contains("**Overall, champion has the higher F1"), "{md}");
    assert!(
        md.contains("| stratum=s1 | 20 | 0.0000 | 20 | 0.1000 |"),
        "{md}"
    );
    let html = export::html(&report);
    assert!(
        html.contains("<h2>Simpson&#39;s paradox</h2>")
            || html.contains("<h2>Simpson's paradox</h2>")
    );
    assert!(
        html.contains("<strong>Overall, champion has the higher F1"),
        "{html}"
    );
    let junit = export::junit(&report);
    assert!(
        junit.contains(r#"<property name="simpson_F1_reversal_1" value="Overall, champion"#),
        "{junit}"
    );
    assert!(junit.contains(r#"<property name="simpson_accuracy" value="accuracy: Simpson&apos;s paradox: cannot happen here"#) || junit.contains(r#"<property name="simpson_accuracy" value="accuracy: Simpson's paradox: cannot happen here"#), "{junit}");
}

/// Multiclass with probabilities: each class's one-vs-rest ROC-AUC difference with
/// DeLong's test, against the numpy port of Sun & Xu's fast DeLong
/// (scripts/fixtures/gen_compare_multiclass.py), and in every export.
#[test]
fn multiclass_delong_per_class_matches_the_reference() {
    use lockstep_core::report::ClassProbabilityColumn;
    let t = table("wine_probabilities.csv");
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/data/compare/compare_multiclass.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let classes = ["barolo", "grignolino", "barbera"];
    let probabilities = |side: &str| {
        Predictions::Probabilities(
            classes
                .iter()
                .map(|c| ClassProbabilityColumn {
                    class: (*c).to_owned(),
                    column: format!("{side}_{c}"),
                })
                .collect(),
        )
    };
    let report = compare(
        "label",
        &side(&t, probabilities("champion")),
        &side(&t, probabilities("challenger")),
        &config("[bootstrap]\nconfidence = 0.95\n"),
        None,
    )
    .unwrap();
    assert!(report.delong.is_none(), "binary DeLong only");
    let want = expected["delong_per_class"].as_array().unwrap();
    assert_eq!(report.delong_per_class.len(), want.len());
    for (got, want) in report.delong_per_class.iter().zip(want) {
        assert_eq!(got.class, want["class"].as_str().unwrap());
        let t = &got.test;
        assert_eq!(t.positives, want["positives"].as_u64().unwrap());
        assert_eq!(t.negatives, want["negatives"].as_u64().unwrap());
        for (name, value) in [
            ("champion_auc", t.champion_auc),
            ("challenger_auc", t.challenger_auc),
            ("difference", t.difference),
            ("std_error", t.std_error),
            ("z", t.z.unwrap()),
            ("p_value", t.p_value),
            ("lower", t.lower),
            ("upper", t.upper),
        ] {
            let w = want[name].as_f64().unwrap();
            assert!(
                (value - w).abs() <= 1e-9 * w.abs().max(1.0),
                "{} {name}: {value} vs {w}",
                got.class
            );
        }
    }
    let json = export::json(&report).unwrap();
    assert_eq!(export::from_json(&json).unwrap(), report);
    let md = export::markdown(&report);
    assert!(
        md.contains("## DeLong's test per class (one vs rest)"),
        "{md}"
    );
    assert!(md.contains("| `barbera` |"), "{md}");
    assert!(export::html(&report).contains("barolo vs rest: champion"));
    assert!(
        export::junit(&report)
            .contains(r#"<property name="delong_grignolino" value="grignolino vs rest"#)
    );
}
