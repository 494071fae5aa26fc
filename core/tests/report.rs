//! `report::evaluate` against the metric functions it assembles.
//!
//! Inputs: tests/data/eval/report_{binary,multiclass,regression}.csv, written by
//! scripts/fixtures/gen_report_fixture.py. Every expected number comes from the
//! scikit-learn-checked functions of `lockstep_core::metrics` (or, for the rule
//! baseline, from counting the rule's predictions), never typed by hand: these
//! tests check that the report wires the right inputs to the right functions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use lockstep_core::metrics::binary::{self, BinaryOptions, PredictionSource};
use lockstep_core::metrics::bootstrap::{self, BootstrapConfig};
use lockstep_core::metrics::calibration::{self, BinStrategy, BinarySplit, CalibrationMethod};
use lockstep_core::metrics::split::{self, SplitConfig};
use lockstep_core::metrics::table_input::{binary_scores, class_probabilities, regression_columns};
use lockstep_core::metrics::{
    ClassScores, ClassificationInput, Metric, PreparedClassification, RankedScores, Weights,
    baselines, classification, regression,
};
use lockstep_core::report::contract::LineStatus;
use lockstep_core::report::types::{BaselineKind, MetricRow, PredictionKind};
use lockstep_core::report::{
    ClassProbabilityColumn, EvalConfig, EvalReport, Heuristic, HeuristicCase, HeuristicCases,
    MetricContract, Predictions, ReportError, Rule, TaskKind, evaluate, export,
};
use lockstep_core::{CsvOptions, Table};

fn table(name: &str) -> Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/eval")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Table::from_csv(&bytes, &CsvOptions::default()).unwrap()
}

fn row<'a>(report: &'a EvalReport, name: &str) -> &'a MetricRow {
    report
        .metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric `{name}`"))
}

fn baseline(row: &MetricRow, kind: BaselineKind) -> Metric {
    row.baselines
        .iter()
        .find(|b| b.baseline == kind)
        .unwrap_or_else(|| panic!("{}: no {kind:?} baseline", row.name))
        .value
}

fn binary_config() -> EvalConfig {
    let mut config = EvalConfig::new("churned", Predictions::Score("score".into()));
    config.positive_label = Some("yes".into());
    config.bootstrap.replicates = 200;
    config.bootstrap.seed = 11;
    config.split.key_column = Some("customer_id".into());
    config.split.seed = 3;
    config.baselines.heuristic =
        Some(r#"tenure_months < 12 or (age < 30 and country == "FR")"#.into());
    config.baselines.existing_column = Some("legacy_flag".into());
    config
}

/// Equal up to rounding: the report computes every metric of a replicate in one fused
/// pass over the score-ordered rows (`metrics::score_ordered`), whose sums are
/// compensated per block of rows rather than per row; the per-metric functions it is
/// checked against here sum row by row. Counts and undefined reasons stay exact.
fn assert_close(a: Metric, b: Metric) {
    match (a, b) {
        (Metric::Value(x), Metric::Value(y)) => {
            assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{x} vs {y}");
        }
        _ => assert_eq!(a, b),
    }
}

#[test]
fn binary_metrics_intervals_and_reliability_come_from_the_metric_functions() {
    let t = table("report_binary.csv");
    let config = binary_config();
    let report = evaluate(&t, &config).unwrap();
    assert_eq!(report.task, TaskKind::Classification);
    assert_eq!(report.inputs.classes, ["no", "yes"]);
    assert_eq!(report.inputs.prediction_kind, PredictionKind::Score);

    let (labels, scores) = binary_scores(&t, "churned", "yes", "score").unwrap();
    let input = ClassificationInput {
        labels: &labels,
        scores: ClassScores::Binary {
            positive: &scores,
            threshold: 0.5,
        },
    };
    let prepared = PreparedClassification::new(input).unwrap();
    let direct = prepared.metrics(Weights::Unit);
    assert_close(row(&report, "accuracy").estimate, direct.accuracy);
    assert_close(row(&report, "roc_auc").estimate, direct.roc_auc);
    assert_eq!(row(&report, "f1").estimate, direct.per_class[1].f1);
    assert_close(
        row(&report, "precision").estimate,
        direct.per_class[1].precision,
    );
    assert_close(row(&report, "log_loss").estimate, direct.log_loss);
    assert_eq!(row(&report, "f1_macro").estimate, direct.macro_average.f1);

    // Same seed and replicates: the report's intervals are the bootstrap's, with the
    // rows numbered in descending score order (as the report resamples them).
    let by_score = RankedScores::new("score", &scores).unwrap();
    let (sorted_labels, sorted_scores) =
        bootstrap::descending_score_order(&labels, &scores, &by_score);
    let sorted_prepared = PreparedClassification::new(ClassificationInput {
        labels: &sorted_labels,
        scores: ClassScores::Binary {
            positive: &sorted_scores,
            threshold: 0.5,
        },
    })
    .unwrap();
    let boot = bootstrap::bootstrap_classification(
        &sorted_prepared,
        &BootstrapConfig {
            replicates: 200,
            seed: 11,
            confidence: 0.95,
        },
    )
    .unwrap();
    for name in ["accuracy", "roc_auc", "brier_score"] {
        let expected = boot.iter().find(|i| i.metric == name).unwrap();
        let got = row(&report, name);
        assert_close(got.lower, expected.lower);
        assert_close(got.upper, expected.upper);
    }
    let f1 = boot.iter().find(|i| i.metric == "f1[1]").unwrap();
    assert_close(row(&report, "f1").lower, f1.lower);
    assert_close(row(&report, "f1").upper, f1.upper);

    // Reliability of the positive-class probability over all rows.
    let ranked = RankedScores::new("score", &scores).unwrap();
    let diagram = calibration::reliability_diagram(
        &scores,
        &ranked,
        |i| labels[i] == 1,
        10,
        BinStrategy::EqualWidth,
        Weights::Unit,
    )
    .unwrap();
    assert_close(
        row(&report, "ece").estimate,
        diagram.expected_calibration_error,
    );
    assert_close(
        row(&report, "mce").estimate,
        diagram.maximum_calibration_error,
    );
    let reliability = report.reliability.as_ref().unwrap();
    assert_eq!(reliability.strategy, BinStrategy::EqualWidth);
    assert_eq!(reliability.bins.len(), 10);
    assert_eq!(reliability.bins.iter().map(|b| b.count).sum::<u64>(), 120);

    // The same over equal-mass bins: the diagram, its ECE / MCE rows and their
    // intervals (the bootstrap recomputes the quantile edges in every replicate).
    let equal_mass = calibration::reliability_diagram(
        &scores,
        &ranked,
        |i| labels[i] == 1,
        10,
        BinStrategy::EqualMass,
        Weights::Unit,
    )
    .unwrap();
    let shown = report.reliability_equal_mass.as_ref().unwrap();
    assert_eq!(shown.strategy, BinStrategy::EqualMass);
    assert_close(shown.ece, equal_mass.expected_calibration_error);
    for (got, expected) in shown.bins.iter().zip(&equal_mass.bins) {
        assert_eq!(
            (got.lower, got.upper, got.count),
            (expected.lower, expected.upper, expected.count)
        );
        assert_eq!(got.observed_frequency, expected.observed_frequency);
    }
    assert_close(
        row(&report, "ece_equal_mass").estimate,
        equal_mass.expected_calibration_error,
    );
    assert_close(
        row(&report, "mce_equal_mass").estimate,
        equal_mass.maximum_calibration_error,
    );
    let sorted_ranked = RankedScores::new("score", &sorted_scores).unwrap();
    let expected = bootstrap::bootstrap(
        scores.len(),
        &BootstrapConfig {
            replicates: 200,
            seed: 11,
            confidence: 0.95,
        },
        |w| {
            let d = calibration::reliability_diagram(
                &sorted_scores,
                &sorted_ranked,
                |i| sorted_labels[i] == 1,
                10,
                BinStrategy::EqualMass,
                w,
            )
            .unwrap();
            vec![("ece_equal_mass".to_owned(), d.expected_calibration_error)]
        },
    )
    .unwrap();
    // The report's bootstrap computes every metric in one fused pass per replicate
    // (`metrics::score_ordered`), whose sums are compensated per block of rows rather
    // than per row: the same resamples, equal to the per-metric functions up to
    // rounding.
    let got = row(&report, "ece_equal_mass");
    for (a, b) in [
        (got.lower, expected[0].lower),
        (got.upper, expected[0].upper),
    ] {
        let (a, b) = (a.value().unwrap(), b.value().unwrap());
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }

    // Turned off, neither the diagram nor its metrics are reported.
    let mut config = binary_config();
    config.equal_mass_bins = false;
    let without = evaluate(&t, &config).unwrap();
    assert!(without.reliability_equal_mass.is_none());
    assert!(
        without
            .metrics
            .iter()
            .all(|m| !m.name.ends_with("_equal_mass"))
    );
    assert_eq!(row(&without, "ece").estimate, row(&report, "ece").estimate);

    // ROC and PR keep the full curves' areas.
    assert_eq!(report.roc.as_ref().unwrap().area, direct.roc_auc);
    assert_eq!(report.pr.as_ref().unwrap().area, direct.average_precision);
}

#[test]
fn binary_baselines_sit_next_to_every_label_metric() {
    let t = table("report_binary.csv");
    let report = evaluate(&t, &binary_config()).unwrap();
    let (labels, _) = binary_scores(&t, "churned", "yes", "score").unwrap();
    let counts = baselines::class_counts(&labels, 2).unwrap();
    let zero = baselines::zero_rule(&counts);
    let uniform = baselines::random_baseline(&counts, baselines::RandomStrategy::Uniform);
    let stratified =
        baselines::random_baseline(&counts, baselines::RandomStrategy::LabelDistribution);
    let accuracy = row(&report, "accuracy");
    assert_eq!(baseline(accuracy, BaselineKind::ZeroRule), zero.accuracy);
    assert_eq!(
        baseline(accuracy, BaselineKind::UniformRandom),
        uniform.accuracy
    );
    assert_eq!(
        baseline(row(&report, "f1"), BaselineKind::LabelDistributionRandom),
        stratified.per_class[1].f1
    );

    // The existing solution, scored by the binary evaluator on its own column.
    let legacy = binary::evaluate(
        &t,
        &BinaryOptions {
            label: "churned",
            prediction: PredictionSource::Labels {
                column: "legacy_flag",
            },
            positive_label: Some("yes"),
        },
    )
    .unwrap();
    let existing = |name| baseline(row(&report, name), BaselineKind::ExistingSolution).value();
    assert_eq!(existing("accuracy"), legacy.accuracy);
    assert_eq!(existing("precision"), legacy.precision);
    assert_eq!(existing("recall"), legacy.recall);
    assert_eq!(existing("f1"), legacy.f1);

    // The heuristic rule, counted by hand from its predictions.
    let rule = Rule::parse(r#"tenure_months < 12 or (age < 30 and country == "FR")"#).unwrap();
    let predicted = rule.predict(&t).unwrap();
    let tp = predicted
        .iter()
        .zip(&labels)
        .filter(|&(&p, &l)| p && l == 1)
        .count();
    let flagged = predicted.iter().filter(|&&p| p).count();
    let correct = predicted
        .iter()
        .zip(&labels)
        .filter(|&(&p, &l)| p == (l == 1))
        .count();
    let heuristic = |name| baseline(row(&report, name), BaselineKind::Heuristic).value();
    assert_eq!(heuristic("precision"), Some(tp as f64 / flagged as f64));
    assert_eq!(
        heuristic("accuracy"),
        Some(correct as f64 / labels.len() as f64)
    );

    // Probability metrics have no label-only baselines.
    assert!(row(&report, "roc_auc").baselines.is_empty());
}

#[test]
fn calibration_is_fitted_on_the_eyeball_part_and_reported_on_the_blackbox_part() {
    let t = table("report_binary.csv");
    let report = evaluate(&t, &binary_config()).unwrap();
    let parts = split::split_column(
        t.column("customer_id").unwrap(),
        &SplitConfig {
            seed: 3,
            eyeball_fraction: 0.5,
        },
    )
    .unwrap();
    assert_eq!(report.split.eyeball, parts.eyeball.len() as u64);
    assert_eq!(report.split.blackbox, parts.blackbox.len() as u64);

    let (labels, scores) = binary_scores(&t, "churned", "yes", "score").unwrap();
    let pick = |rows: &[u32]| -> (Vec<f64>, Vec<u32>) {
        rows.iter()
            .map(|&r| (scores[r as usize], labels[r as usize]))
            .unzip()
    };
    let (fs, fl) = pick(&parts.eyeball);
    let (rs, rl) = pick(&parts.blackbox);
    let c = report.calibration.as_ref().unwrap();
    assert_eq!(c.fit_rows, fs.len() as u64);
    for (method, name) in [
        (CalibrationMethod::Platt, "platt"),
        (CalibrationMethod::Isotonic, "isotonic"),
    ] {
        let direct = calibration::calibrate(
            method,
            BinarySplit {
                scores: &fs,
                labels: &fl,
            },
            BinarySplit {
                scores: &rs,
                labels: &rl,
            },
            10,
            BinStrategy::EqualWidth,
        )
        .unwrap();
        let got = c.methods.iter().find(|m| m.method == name).unwrap();
        assert_eq!(got.brier_after, direct.brier_after, "{name}");
        assert_eq!(
            got.after.ece, direct.after.expected_calibration_error,
            "{name}"
        );
        assert_eq!(c.brier_before, direct.brier_before);
    }
}

#[test]
fn the_contract_judges_point_estimates_and_measured_facts() {
    let t = table("report_binary.csv");
    let mut config = binary_config();
    config.contract = Some(
        MetricContract::from_toml(
            r#"
optimizing = "roc_auc"
satisficing = ["accuracy >= 0.5", "ece <= 0.01", "latency_ms_per_row <= 1", "model_size_mb <= 50"]
"#,
        )
        .unwrap(),
    );
    config.facts.latency_ms_per_row = Some(0.2);
    let report = evaluate(&t, &config).unwrap();
    let contract = report.contract.as_ref().unwrap();
    let accuracy = row(&report, "accuracy").estimate.value().unwrap();
    let ece = row(&report, "ece").estimate.value().unwrap();
    let statuses: Vec<LineStatus> = contract.lines.iter().map(|l| l.status).collect();
    let expect = |ok: bool| {
        if ok {
            LineStatus::Pass
        } else {
            LineStatus::Fail
        }
    };
    assert_eq!(
        statuses,
        [
            expect(accuracy >= 0.5),
            expect(ece <= 0.01),
            LineStatus::Pass,
            LineStatus::NotMeasured
        ]
    );
    assert!(!contract.passed, "model size was not measured");
    assert_eq!(
        contract.optimizing.value,
        row(&report, "roc_auc").estimate.value()
    );
}

#[test]
fn multiclass_probabilities_report_macro_metrics_and_refuse_a_heuristic() {
    let t = table("report_multiclass.csv");
    let pairs: Vec<ClassProbabilityColumn> =
        [("bird", "p_bird"), ("cat", "p_cat"), ("dog", "p_dog")]
            .iter()
            .map(|&(class, column)| ClassProbabilityColumn {
                class: class.into(),
                column: column.into(),
            })
            .collect();
    let mut config = EvalConfig::new("animal", Predictions::Probabilities(pairs));
    config.bootstrap.replicates = 50;
    config.baselines.existing_column = Some("legacy".into());
    config.targets.coverage = Some(0.8);
    let report = evaluate(&t, &config).unwrap();

    let input = class_probabilities(
        &t,
        "animal",
        &[("bird", "p_bird"), ("cat", "p_cat"), ("dog", "p_dog")],
    )
    .unwrap();
    let columns = input.column_slices();
    let direct = classification::evaluate(ClassificationInput {
        labels: &input.labels,
        scores: ClassScores::PerClass(&columns),
    })
    .unwrap();
    assert_eq!(row(&report, "accuracy").estimate, direct.accuracy);
    assert_eq!(row(&report, "f1_macro").estimate, direct.macro_average.f1);
    assert_eq!(
        row(&report, "roc_auc_weighted").estimate,
        direct.roc_auc_weighted
    );
    assert_eq!(row(&report, "log_loss").estimate, direct.log_loss);
    assert!(report.metrics.iter().all(|m| m.name != "f1"));
    for (got, expected) in report.per_class.iter().zip(&direct.per_class) {
        assert_eq!(got.f1, expected.f1, "{}", got.class);
        assert_eq!(got.roc_auc, expected.roc_auc, "{}", got.class);
        assert_eq!(got.support, expected.support, "{}", got.class);
    }
    assert_eq!(
        report
            .per_class
            .iter()
            .map(|c| c.class.as_str())
            .collect::<Vec<_>>(),
        ["bird", "cat", "dog"]
    );
    assert_eq!(report.threshold_sweep.as_ref().unwrap().kind, "confidence");
    assert!(report.threshold_targets[0].point.is_some());

    // One-vs-rest recalibration fitted on the eyeball rows (keyed by row number),
    // reported on the blackbox rows.
    let keys: Vec<String> = (1..=t.num_rows()).map(|r| r.to_string()).collect();
    let parts = split::split_keys(
        keys.iter().map(String::as_bytes),
        &SplitConfig {
            seed: 0,
            eyeball_fraction: 0.5,
        },
    )
    .unwrap();
    let pick = |rows: &[u32]| -> (Vec<Vec<f64>>, Vec<u32>) {
        let cols = input
            .columns
            .iter()
            .map(|c| rows.iter().map(|&r| c[r as usize]).collect())
            .collect();
        (
            cols,
            rows.iter().map(|&r| input.labels[r as usize]).collect(),
        )
    };
    let (fit, fit_labels) = pick(&parts.eyeball);
    let (held, held_labels) = pick(&parts.blackbox);
    let fit: Vec<&[f64]> = fit.iter().map(Vec::as_slice).collect();
    let held: Vec<&[f64]> = held.iter().map(Vec::as_slice).collect();
    let c = report.calibration.as_ref().unwrap();
    assert_eq!(c.report_rows, held_labels.len() as u64);
    assert_eq!(c.before.probability, "top_label_confidence");
    let brier = |columns: &[&[f64]]| {
        classification::evaluate(ClassificationInput {
            labels: &held_labels,
            scores: ClassScores::PerClass(columns),
        })
        .unwrap()
        .brier_score
    };
    assert_eq!(c.brier_before, brier(&held));
    for (method, name) in [
        (CalibrationMethod::Platt, "platt"),
        (CalibrationMethod::Isotonic, "isotonic"),
    ] {
        let calibrated = calibration::MulticlassCalibrator::fit(method, &fit, &fit_labels)
            .unwrap()
            .calibrate(&held)
            .unwrap();
        let slices: Vec<&[f64]> = calibrated.iter().map(Vec::as_slice).collect();
        let got = c.methods.iter().find(|m| m.method == name).unwrap();
        assert_eq!(got.brier_after, brier(&slices), "{name}");
    }
    let confusion = report.confusion.as_ref().unwrap();
    assert_eq!(
        confusion.counts.iter().flatten().sum::<u64>(),
        t.num_rows() as u64
    );

    config.baselines.heuristic = Some("p_cat > 0.5".into());
    assert_eq!(
        evaluate(&t, &config).unwrap_err(),
        ReportError::HeuristicNeedsBinary { classes: 3 }
    );
}

#[test]
fn regression_is_inferred_and_scored_with_the_regression_functions() {
    let t = table("report_regression.csv");
    let mut config = EvalConfig::new("price", Predictions::Column("predicted".into()));
    config.bootstrap.replicates = 50;
    config.baselines.existing_column = Some("legacy_estimate".into());
    let report = evaluate(&t, &config).unwrap();
    assert_eq!(report.task, TaskKind::Regression);
    let (y, p) = regression_columns(&t, "price", "predicted").unwrap();
    let direct = regression::evaluate(&y, &p).unwrap();
    assert_eq!(row(&report, "mae").estimate, direct.mae);
    assert_eq!(row(&report, "r2").estimate, direct.r2);
    assert!(!row(&report, "rmse").higher_is_better);
    let mean = baselines::mean_baseline(&y).unwrap();
    assert_eq!(
        baseline(row(&report, "r2"), BaselineKind::ZeroRule),
        mean.r2
    );
    let (_, legacy) = regression_columns(&t, "price", "legacy_estimate").unwrap();
    assert_eq!(
        baseline(row(&report, "mae"), BaselineKind::ExistingSolution),
        regression::evaluate(&y, &legacy).unwrap().mae
    );
    assert!(report.confusion.is_none() && report.roc.is_none());

    config.baselines.heuristic = Some("predicted > 0".into());
    assert_eq!(
        evaluate(&t, &config).unwrap_err(),
        ReportError::HeuristicForRegression
    );
}

#[test]
fn heuristic_cases_on_a_binary_task_equal_the_rule() {
    let t = table("report_binary.csv");
    let rule = r#"tenure_months < 12 or (age < 30 and country == "FR")"#;
    let by_rule = evaluate(&t, &binary_config()).unwrap();
    let mut config = binary_config();
    config.baselines.heuristic = Some(Heuristic::Cases(HeuristicCases {
        cases: vec![HeuristicCase {
            when: rule.into(),
            label: "yes".into(),
        }],
        default: "no".into(),
    }));
    let by_cases = evaluate(&t, &config).unwrap();
    let heuristic = |r: &EvalReport| -> Vec<(String, Metric)> {
        r.metrics
            .iter()
            .flat_map(|m| {
                m.baselines
                    .iter()
                    .filter(|b| b.baseline == BaselineKind::Heuristic)
                    .map(|b| (m.name.clone(), b.value))
            })
            .collect()
    };
    assert_eq!(heuristic(&by_rule).len(), 6);
    assert_eq!(heuristic(&by_cases), heuristic(&by_rule));
    // The same rules with the classes swapped predict the opposite class.
    config.baselines.heuristic = Some(Heuristic::Cases(HeuristicCases {
        cases: vec![HeuristicCase {
            when: rule.into(),
            label: "no".into(),
        }],
        default: "yes".into(),
    }));
    let swapped = evaluate(&t, &config).unwrap();
    let accuracy = |r: &EvalReport| {
        baseline(row(r, "accuracy"), BaselineKind::Heuristic)
            .value()
            .unwrap()
    };
    assert!((accuracy(&swapped) + accuracy(&by_rule) - 1.0).abs() < 1e-12);
}

#[test]
fn hard_predictions_skip_probability_metrics_and_say_so() {
    let t = table("report_binary.csv");
    let mut config = EvalConfig::new("churned", Predictions::Column("legacy_flag".into()));
    config.positive_label = Some("yes".into());
    config.bootstrap.replicates = 20;
    config
        .baselines
        .human
        .push(lockstep_core::report::HumanFigure {
            metric: "f1".into(),
            value: 0.7,
            source: Some("support team".into()),
        });
    let report = evaluate(&t, &config).unwrap();
    assert_eq!(report.inputs.prediction_kind, PredictionKind::Labels);
    assert!(
        report
            .metrics
            .iter()
            .all(|m| m.name != "roc_auc" && m.name != "ece")
    );
    assert!(report.roc.is_none() && report.threshold_sweep.is_none());
    assert!(report.notes.iter().any(|n| n.contains("not probabilities")));
    assert_eq!(
        baseline(row(&report, "f1"), BaselineKind::HumanLevel),
        Metric::Value(0.7)
    );
}

#[test]
fn errors_name_what_is_wrong() {
    let t = table("report_binary.csv");
    let mut config = binary_config();
    config.baselines.heuristic = Some("tenure > 12".into());
    let err = evaluate(&t, &config).unwrap_err().to_string();
    assert!(
        err.starts_with("heuristic baseline `tenure > 12`: position 1: no column named `tenure` (columns: customer_id,"),
        "{err}"
    );

    let mut config = binary_config();
    config.fingerprints.model_sha256 = Some("not-a-digest".into());
    assert!(matches!(
        evaluate(&t, &config),
        Err(ReportError::Fingerprint(_))
    ));

    let mut config = binary_config();
    config.calibration_bins = 1_000_000_000;
    assert_eq!(
        evaluate(&t, &config).unwrap_err().to_string(),
        "`calibration_bins` = 1000000000 is invalid: between 1 and 10000"
    );

    let mut config = binary_config();
    config.bootstrap.confidence = 1.5;
    assert_eq!(
        evaluate(&t, &config).unwrap_err().to_string(),
        "`bootstrap.confidence` = 1.5 is invalid: strictly between 0 and 1"
    );

    let mut config = binary_config();
    config.predictions = Predictions::Score("income".into());
    let err = evaluate(&t, &config).unwrap_err();
    assert!(
        matches!(&err, ReportError::NotProbabilities { column, row: 1, .. } if column == "income"),
        "{err}"
    );

    let multi = table("report_multiclass.csv");
    let config = EvalConfig::new("animal", Predictions::Score("p_cat".into()));
    let err = evaluate(&multi, &config).unwrap_err().to_string();
    // The message blames the label's classes, not the score column (issue 13).
    assert!(
        err.contains("the label `animal` holds 3 classes (bird, cat, dog)")
            && err.contains("give one probability column per class"),
        "{err}"
    );
}

#[test]
fn the_json_export_round_trips() {
    let t = table("report_binary.csv");
    let report = evaluate(&t, &binary_config()).unwrap();
    let text = export::json(&report).unwrap();
    assert_eq!(export::from_json(&text).unwrap(), report);
}
