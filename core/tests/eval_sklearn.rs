//! The evaluation suite against scikit-learn.
//!
//! Fixtures in tests/data/eval were written by scripts/fixtures/gen_eval_metrics.py
//! from scikit-learn 1.9.1 (and numpy where scikit-learn has no function: ECE, MCE,
//! per-bin counts, coverage sweeps; and independent Python re-implementations of
//! the bootstrap's PRNG and of the split hash). Real models' `predict_proba` on
//! iris, wine, digits and a heavily imbalanced synthetic binary set (2.5 %
//! positives); `CalibratedClassifierCV` for multiclass recalibration;
//! `DummyClassifier` for the zero rule, and exhaustive enumeration of every
//! prediction vector (scored by scikit-learn) for the random baselines' exact
//! expectations.
//!
//! Tolerance: 1e-9, absolute, or relative to the reference when it exceeds 1 in
//! magnitude (MAPE with zero targets reaches 1e14, where 1e-9 absolute would be
//! below one ulp); f64 on both sides, summing the same terms in a different order.
//! Exceptions: scikit-learn's own Platt fit, compared at 1e-6: its
//! L-BFGS stops at `gtol = 1e-6`, so its parameters are only that close to the
//! optimum. The same fit refined to convergence by Newton steps in numpy
//! (`platt_tight`) is compared at 1e-9. Counts (confusion matrices, bin counts,
//! split parts, sweep counts) must match exactly.

// Test helpers outside #[test] functions are not covered by clippy.toml's
// allow-unwrap-in-tests; a failed unwrap is a failed test here.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use lockstep_core::metrics::bootstrap::{self, BootstrapConfig, BootstrapMethod};
use lockstep_core::metrics::calibration::{
    self, BinStrategy, BinarySplit, CalibrationMethod, Calibrator, IsotonicCalibration,
    MulticlassCalibrator, PlattScaling, ReliabilityDiagram,
};
use lockstep_core::metrics::split::{self, Part, SplitConfig};
use lockstep_core::metrics::threshold::{SweepKind, ThresholdSweep};
use lockstep_core::metrics::{
    ClassScores, ClassificationInput, Metric, PreparedClassification, PreparedRegression,
    RankedScores, RegressionMetrics, Weights, baselines, regression,
};
use serde_json::Value;

const TOLERANCE: f64 = 1e-9;
const PLATT_SKLEARN_TOLERANCE: f64 = 1e-6;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/eval")
}

fn load(name: &str) -> Value {
    let path = fixtures().join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance * expected.abs().max(1.0),
        "{what}: lockstep {actual}, reference {expected} (diff {:e})",
        (actual - expected).abs()
    );
}

/// A metric against a reference value; JSON null (scikit-learn's NaN) must be
/// undefined on our side, and undefined must carry a reason.
fn metric(what: &str, actual: Metric, expected: &Value) {
    match (actual, expected.as_f64()) {
        (Metric::Value(a), Some(e)) => close(what, a, e, TOLERANCE),
        (Metric::Undefined(_), None) => {}
        _ => panic!("{what}: lockstep {actual:?}, reference {expected}"),
    }
}

fn check_reliability(what: &str, diagram: &ReliabilityDiagram, expected: &Value) {
    let counts: Vec<u64> = diagram.bins.iter().map(|b| b.count).collect();
    assert_eq!(counts, u64s(&expected["count"]), "{what}: bin counts");
    let edges = floats(&expected["edges"]);
    for (i, bin) in diagram.bins.iter().enumerate() {
        // Bin counts above are exact; edges of Platt-calibrated probabilities inherit
        // the ulp-level difference of the probabilities themselves.
        close(
            &format!("{what}: lower edge {i}"),
            bin.lower,
            edges[i],
            TOLERANCE,
        );
        close(
            &format!("{what}: upper edge {i}"),
            bin.upper,
            edges[i + 1],
            TOLERANCE,
        );
        if bin.count > 0 {
            metric(
                &format!("{what}: observed {i}"),
                bin.observed_frequency,
                &expected["observed_frequency"][i],
            );
            metric(
                &format!("{what}: predicted {i}"),
                bin.mean_predicted,
                &expected["mean_predicted"][i],
            );
        }
    }
    metric(
        &format!("{what}: ECE"),
        diagram.expected_calibration_error,
        &expected["ece"],
    );
    metric(
        &format!("{what}: MCE"),
        diagram.maximum_calibration_error,
        &expected["mce"],
    );
}

fn check_sweep(what: &str, sweep: &ThresholdSweep, expected: &Value) {
    for point in expected.as_array().unwrap() {
        let i = point["index"].as_u64().unwrap() as usize;
        let p = &sweep.points[i];
        let at = format!("{what} at {}", p.threshold);
        close(&at, p.threshold, point["threshold"].as_f64().unwrap(), 0.0);
        assert_eq!(
            p.covered,
            point["covered"].as_u64().unwrap(),
            "{at}: covered"
        );
        assert_eq!(
            p.hits_covered,
            point["hits"].as_u64().unwrap(),
            "{at}: hits"
        );
        close(
            &format!("{at}: coverage"),
            p.coverage,
            point["coverage"].as_f64().unwrap(),
            TOLERANCE,
        );
        metric(
            &format!("{at}: precision"),
            p.precision,
            &point["precision"],
        );
        metric(
            &format!("{at}: accuracy on covered"),
            p.accuracy_on_covered,
            &point["precision"],
        );
        metric(&format!("{at}: recall"), p.recall, &point["recall"]);
    }
}

fn check_classification(name: &str, prepared: &PreparedClassification<'_>, e: &Value) {
    let m = prepared.metrics(Weights::Unit);
    assert_eq!(
        m.confusion.counts,
        u64s(&e["confusion"]),
        "{name}: confusion"
    );
    metric(&format!("{name}: accuracy"), m.accuracy, &e["accuracy"]);
    metric(
        &format!("{name}: balanced accuracy"),
        m.balanced_accuracy,
        &e["balanced_accuracy"],
    );
    for (c, class) in m.per_class.iter().enumerate() {
        assert_eq!(
            class.support,
            e["support"][c].as_u64().unwrap(),
            "{name}: support"
        );
        metric(
            &format!("{name}: precision[{c}]"),
            class.precision,
            &e["precision"][c],
        );
        metric(
            &format!("{name}: recall[{c}]"),
            class.recall,
            &e["recall"][c],
        );
        metric(&format!("{name}: f1[{c}]"), class.f1, &e["f1"][c]);
        let expected_auc = &e["roc_auc_per_class"][c];
        match class.roc_auc {
            Some(auc) => metric(&format!("{name}: roc_auc[{c}]"), auc, expected_auc),
            None => assert!(expected_auc.is_null(), "{name}: roc_auc[{c}] missing"),
        }
        if let Some(ap) = class.average_precision {
            metric(
                &format!("{name}: average_precision[{c}]"),
                ap,
                &e["average_precision_per_class"][c],
            );
        }
    }
    for (avg, values) in [
        ("macro", m.macro_average),
        ("micro", m.micro_average),
        ("weighted", m.weighted_average),
    ] {
        metric(
            &format!("{name}: precision {avg}"),
            values.precision,
            &e[format!("precision_{avg}")],
        );
        metric(
            &format!("{name}: recall {avg}"),
            values.recall,
            &e[format!("recall_{avg}")],
        );
        metric(
            &format!("{name}: f1 {avg}"),
            values.f1,
            &e[format!("f1_{avg}")],
        );
    }
    metric(&format!("{name}: roc_auc"), m.roc_auc, &e["roc_auc"]);
    metric(
        &format!("{name}: roc_auc weighted"),
        m.roc_auc_weighted,
        &e["roc_auc_weighted"],
    );
    metric(
        &format!("{name}: average precision"),
        m.average_precision,
        &e["average_precision"],
    );
    metric(
        &format!("{name}: average precision weighted"),
        m.average_precision_weighted,
        &e["average_precision_weighted"],
    );
    metric(&format!("{name}: log loss"), m.log_loss, &e["log_loss"]);
    metric(&format!("{name}: brier"), m.brier_score, &e["brier_score"]);

    // Top-label confidence: sweep and reliability diagrams.
    let confidence: Vec<f64> = (0..prepared.rows())
        .map(|r| prepared.confidence(r))
        .collect();
    let labels = prepared.labels();
    let predicted = prepared.predicted();
    let correct = |r: usize| labels[r] == predicted[r];
    let ranked = RankedScores::new("confidence", &confidence).unwrap();
    let sweep = ThresholdSweep::confidence(&ranked, correct, Weights::Unit);
    assert_eq!(sweep.kind, SweepKind::Confidence);
    check_sweep(
        &format!("{name}: confidence sweep"),
        &sweep,
        &e["confidence_sweep"],
    );
    for (strategy, key) in [
        (BinStrategy::EqualWidth, "equal_width"),
        (BinStrategy::EqualMass, "equal_mass"),
    ] {
        let diagram = calibration::reliability_diagram(
            &confidence,
            &ranked,
            correct,
            10,
            strategy,
            Weights::Unit,
        )
        .unwrap();
        check_reliability(
            &format!("{name}: top-label {key}"),
            &diagram,
            &e["top_label_reliability"][key],
        );
    }
}

#[test]
fn binary_classification_matches_scikit_learn() {
    for name in ["binary_imbalanced", "binary_ties"] {
        let case = load(name);
        let labels = u32s(&case["labels"]);
        let positive = floats(&case["positive"]);
        let threshold = case["threshold"].as_f64().unwrap();
        let prepared = PreparedClassification::new(ClassificationInput {
            labels: &labels,
            scores: ClassScores::Binary {
                positive: &positive,
                threshold,
            },
        })
        .unwrap();
        let e = &case["expected"];
        check_classification(name, &prepared, e);

        // PR curve (sampled points) from the same sort.
        let ranked = prepared.ranked(1).unwrap();
        let pr = ranked.pr_curve(|r| labels[r] == 1, 1);
        let curve = &e["pr_curve"];
        assert_eq!(
            pr.thresholds.len() as u64,
            curve["points"].as_u64().unwrap()
        );
        for (j, &i) in u64s(&curve["index"]).iter().enumerate() {
            let i = i as usize;
            close(
                &format!("{name}: PR threshold {i}"),
                pr.thresholds[i],
                curve["thresholds"][j].as_f64().unwrap(),
                0.0,
            );
            close(
                &format!("{name}: PR precision {i}"),
                pr.precision[i],
                curve["precision"][j].as_f64().unwrap(),
                TOLERANCE,
            );
            close(
                &format!("{name}: PR recall {i}"),
                pr.recall[i],
                curve["recall"][j].as_f64().unwrap(),
                TOLERANCE,
            );
        }
        metric(
            &format!("{name}: AP from curve"),
            pr.average_precision,
            &e["average_precision"],
        );
        let roc = ranked.roc_curve(|r| labels[r] == 1, 1);
        metric(&format!("{name}: AUC from curve"), roc.auc, &e["roc_auc"]);

        let sweep = ThresholdSweep::positive_class(ranked, |r| labels[r] == 1, Weights::Unit);
        check_sweep(
            &format!("{name}: positive sweep"),
            &sweep,
            &e["positive_sweep"],
        );
        for (strategy, key) in [
            (BinStrategy::EqualWidth, "equal_width"),
            (BinStrategy::EqualMass, "equal_mass"),
        ] {
            let diagram = calibration::reliability_diagram(
                &positive,
                ranked,
                |r| labels[r] == 1,
                10,
                strategy,
                Weights::Unit,
            )
            .unwrap();
            check_reliability(&format!("{name}: {key}"), &diagram, &e["reliability"][key]);
        }
    }
}

#[test]
fn multiclass_classification_matches_scikit_learn() {
    for name in ["iris_logistic", "wine_naive_bayes", "digits_forest"] {
        let case = load(name);
        let labels = u32s(&case["labels"]);
        let columns: Vec<Vec<f64>> = case["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        let column_refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
        let prepared = PreparedClassification::new(ClassificationInput {
            labels: &labels,
            scores: ClassScores::PerClass(&column_refs),
        })
        .unwrap();
        check_classification(name, &prepared, &case["expected"]);
    }
}

fn check_regression(what: &str, m: &RegressionMetrics, e: &Value) {
    metric(&format!("{what}: MAE"), m.mae, &e["mae"]);
    metric(&format!("{what}: RMSE"), m.rmse, &e["rmse"]);
    metric(&format!("{what}: R²"), m.r2, &e["r2"]);
    metric(&format!("{what}: MAPE"), m.mape, &e["mape"]);
    metric(
        &format!("{what}: median AE"),
        m.median_absolute_error,
        &e["median_absolute_error"],
    );
}

#[test]
fn regression_matches_scikit_learn() {
    for name in ["regression_diabetes", "regression_zero_targets"] {
        let case = load(name);
        let y = floats(&case["targets"]);
        let p = floats(&case["predictions"]);
        check_regression(
            name,
            &regression::evaluate(&y, &p).unwrap(),
            &case["expected"],
        );
    }
    let case = load("regression_diabetes");
    let y = floats(&case["targets"]);
    let baseline = baselines::mean_baseline(&y).unwrap();
    check_regression("mean baseline", &baseline, &case["mean_baseline"]);
}

#[test]
fn calibration_fitted_on_one_split_matches_scikit_learn_on_another() {
    let case = load("calibration_naive_bayes");
    let fit_scores = floats(&case["fit"]["scores"]);
    let fit_labels = u32s(&case["fit"]["labels"]);
    let report_scores = floats(&case["report"]["scores"]);
    let report_labels = u32s(&case["report"]["labels"]);
    let e = &case["expected"];

    let platt = PlattScaling::fit(&fit_scores, |i| fit_labels[i] == 1).unwrap();
    close(
        "Platt a vs tight",
        platt.a,
        e["platt_tight"]["a"].as_f64().unwrap(),
        TOLERANCE,
    );
    close(
        "Platt b vs tight",
        platt.b,
        e["platt_tight"]["b"].as_f64().unwrap(),
        TOLERANCE,
    );
    let sk = &e["platt_sklearn"];
    close(
        "Platt a vs sklearn",
        platt.a,
        sk["a"].as_f64().unwrap(),
        PLATT_SKLEARN_TOLERANCE,
    );
    close(
        "Platt b vs sklearn",
        platt.b,
        sk["b"].as_f64().unwrap(),
        PLATT_SKLEARN_TOLERANCE,
    );
    let tight = floats(&e["platt_tight"]["report_probabilities"]);
    let loose = floats(&sk["report_probabilities"]);
    for (i, &s) in report_scores.iter().enumerate() {
        let p = platt.predict(s);
        close(&format!("Platt report row {i}"), p, tight[i], TOLERANCE);
        close(
            &format!("Platt vs sklearn row {i}"),
            p,
            loose[i],
            PLATT_SKLEARN_TOLERANCE,
        );
    }

    let ranked = RankedScores::new("scores", &fit_scores).unwrap();
    let iso = IsotonicCalibration::fit(&ranked, |i| fit_labels[i] == 1, Weights::Unit).unwrap();
    let iso_e = &e["isotonic"];
    assert_eq!(iso.x, floats(&iso_e["x"]), "isotonic knots");
    let knots_y = floats(&iso_e["y"]);
    for (i, (&a, &b)) in iso.y.iter().zip(&knots_y).enumerate() {
        close(&format!("isotonic knot {i}"), a, b, TOLERANCE);
    }
    let expected = floats(&iso_e["report_probabilities"]);
    for (i, &s) in report_scores.iter().enumerate() {
        close(
            &format!("isotonic report row {i}"),
            iso.predict(s),
            expected[i],
            TOLERANCE,
        );
    }

    for (method, key) in [
        (CalibrationMethod::Isotonic, "after_isotonic"),
        (CalibrationMethod::Platt, "after_platt"),
    ] {
        let comparison = calibration::calibrate(
            method,
            BinarySplit {
                scores: &fit_scores,
                labels: &fit_labels,
            },
            BinarySplit {
                scores: &report_scores,
                labels: &report_labels,
            },
            10,
            BinStrategy::EqualWidth,
        )
        .unwrap();
        match (&comparison.calibrator, method) {
            (Calibrator::Platt(_), CalibrationMethod::Platt)
            | (Calibrator::Isotonic(_), CalibrationMethod::Isotonic) => {}
            other => panic!("wrong calibrator {other:?}"),
        }
        let before = comparison.before.as_ref().unwrap();
        check_reliability("before", before, &e["before"]["equal_width"]);
        check_reliability(key, &comparison.after, &e[key]["equal_width"]);
        metric("brier before", comparison.brier_before, &e["brier_before"]);
        if method == CalibrationMethod::Isotonic {
            metric(
                "brier after",
                comparison.brier_after,
                &e["brier_after_isotonic"],
            );
        }
        // Equal-mass diagrams of the same calibrated probabilities.
        let calibrated: Vec<f64> = report_scores
            .iter()
            .map(|&s| comparison.calibrator.predict(s))
            .collect();
        let ranked = RankedScores::new("calibrated", &calibrated).unwrap();
        let diagram = calibration::reliability_diagram(
            &calibrated,
            &ranked,
            |i| report_labels[i] == 1,
            10,
            BinStrategy::EqualMass,
            Weights::Unit,
        )
        .unwrap();
        check_reliability(
            &format!("{key} equal mass"),
            &diagram,
            &e[key]["equal_mass"],
        );
    }
}

fn check_interval(what: &str, interval: &bootstrap::Interval, e: &Value) {
    metric(
        &format!("{what}: estimate"),
        interval.estimate,
        &e["estimate"],
    );
    metric(&format!("{what}: lower"), interval.lower, &e["lower"]);
    metric(&format!("{what}: upper"), interval.upper, &e["upper"]);
    assert_eq!(
        u64::from(interval.defined_replicates),
        e["defined"].as_u64().unwrap(),
        "{what}: defined replicates"
    );
}

fn config(case: &Value) -> BootstrapConfig {
    let c = &case["config"];
    BootstrapConfig {
        replicates: c["replicates"].as_u64().unwrap() as u32,
        seed: c["seed"].as_u64().unwrap(),
        confidence: c["confidence"].as_f64().unwrap(),
    }
}

/// The Python side resamples the arrays with the same PRNG draws and scores every
/// replicate with scikit-learn; Lockstep passes counts over the sorted rows.
#[test]
fn bootstrap_intervals_match_resampling_with_scikit_learn() {
    let case = load("bootstrap_iris_binary");
    let labels = u32s(&case["labels"]);
    let positive = floats(&case["positive"]);
    let prepared = PreparedClassification::new(ClassificationInput {
        labels: &labels,
        scores: ClassScores::Binary {
            positive: &positive,
            threshold: case["threshold"].as_f64().unwrap(),
        },
    })
    .unwrap();
    let intervals = bootstrap::bootstrap_classification(&prepared, &config(&case)).unwrap();
    let expected = case["expected"].as_object().unwrap();
    for (name, e) in expected {
        let interval = intervals.iter().find(|i| &i.metric == name).unwrap();
        check_interval(name, interval, e);
    }
    // The same intervals from the sequential bootstrap, and the multinomial method's
    // against its own resamples; one thread or four give the same intervals.
    let statistic = |w: Weights<'_>| prepared.metrics(w).named_values();
    let sequential = bootstrap::bootstrap_with(
        labels.len(),
        &config(&case),
        BootstrapMethod::Poisson,
        statistic,
    )
    .unwrap();
    assert_eq!(sequential, intervals);
    for threads in [1, 4] {
        let multinomial = bootstrap::bootstrap_parallel(
            labels.len(),
            &config(&case),
            BootstrapMethod::Multinomial,
            threads,
            statistic,
        )
        .unwrap();
        for (name, e) in case["expected_multinomial"].as_object().unwrap() {
            let interval = multinomial.iter().find(|i| &i.metric == name).unwrap();
            check_interval(&format!("multinomial {name}"), interval, e);
        }
    }

    let case = load("bootstrap_wine_multiclass");
    let labels = u32s(&case["labels"]);
    let columns = columns(&case["columns"]);
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let prepared = PreparedClassification::new(ClassificationInput {
        labels: &labels,
        scores: ClassScores::PerClass(&refs),
    })
    .unwrap();
    let intervals = bootstrap::bootstrap_classification(&prepared, &config(&case)).unwrap();
    for (name, e) in case["expected"].as_object().unwrap() {
        let interval = intervals.iter().find(|i| &i.metric == name).unwrap();
        check_interval(&format!("wine {name}"), interval, e);
    }

    let case = load("bootstrap_iris_calibration");
    let labels = u32s(&case["labels"]);
    let positive = floats(&case["positive"]);
    let ranked = RankedScores::new("positive", &positive).unwrap();
    let bins = case["bins"].as_u64().unwrap() as usize;
    for (strategy, key) in [
        (BinStrategy::EqualWidth, "equal_width"),
        (BinStrategy::EqualMass, "equal_mass"),
    ] {
        let intervals = bootstrap::bootstrap_calibration_error(
            &positive,
            &ranked,
            |i| labels[i] == 1,
            bins,
            strategy,
            &config(&case),
        )
        .unwrap();
        for (interval, m) in intervals.iter().zip(["ece", "mce"]) {
            check_interval(
                &format!("{key} {m}"),
                interval,
                &case["expected"][format!("{key}/{m}")],
            );
        }
    }

    let case = load("bootstrap_diabetes");
    let y = floats(&case["targets"]);
    let p = floats(&case["predictions"]);
    let prepared = PreparedRegression::new(&y, &p).unwrap();
    let intervals = bootstrap::bootstrap_regression(&prepared, &config(&case)).unwrap();
    for (name, e) in case["expected"].as_object().unwrap() {
        let interval = intervals.iter().find(|i| &i.metric == name).unwrap();
        check_interval(name, interval, e);
    }
}

#[test]
fn split_matches_an_independent_implementation_of_the_hash() {
    let case = load("split_keys");
    let keys: Vec<String> = case["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    let config = SplitConfig {
        seed: case["config"]["seed"].as_u64().unwrap(),
        eyeball_fraction: case["config"]["eyeball_fraction"].as_f64().unwrap(),
    };
    let parts: Vec<&str> = case["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    let split = split::split_keys(keys.iter().map(|k| k.as_bytes()), &config).unwrap();
    for (row, (key, expected)) in keys.iter().zip(&parts).enumerate() {
        let part = split::assign(key.as_bytes(), &config);
        let name = match part {
            Part::Eyeball => "eyeball",
            Part::Blackbox => "blackbox",
        };
        assert_eq!(name, *expected, "key {key:?}");
        assert_eq!(split.eyeball.contains(&(row as u32)), part == Part::Eyeball);
    }
}

fn columns(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(floats).collect()
}

/// scikit-learn's `CalibratedClassifierCV(FrozenEstimator(model))` on wine: isotonic
/// at 1e-9; sigmoid at 1e-6 (scikit-learn's L-BFGS Platt fits, see the module docs).
#[test]
fn multiclass_calibration_matches_calibrated_classifier_cv() {
    let case = load("calibration_wine_multiclass");
    let fit = columns(&case["fit"]["columns"]);
    let fit_refs: Vec<&[f64]> = fit.iter().map(Vec::as_slice).collect();
    let fit_labels = u32s(&case["fit"]["labels"]);
    let report = columns(&case["report"]["columns"]);
    let report_refs: Vec<&[f64]> = report.iter().map(Vec::as_slice).collect();
    let report_labels = u32s(&case["report"]["labels"]);
    for (method, key, tolerance) in [
        (CalibrationMethod::Isotonic, "isotonic", TOLERANCE),
        (CalibrationMethod::Platt, "sigmoid", PLATT_SKLEARN_TOLERANCE),
    ] {
        let calibrator = MulticlassCalibrator::fit(method, &fit_refs, &fit_labels).unwrap();
        let calibrated = calibrator.calibrate(&report_refs).unwrap();
        let expected = columns(&case["expected"][key]["columns"]);
        for (c, (ours, theirs)) in calibrated.iter().zip(&expected).enumerate() {
            for (row, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
                close(&format!("{key}: class {c}, row {row}"), a, b, tolerance);
            }
        }
        let refs: Vec<&[f64]> = calibrated.iter().map(Vec::as_slice).collect();
        let metrics = PreparedClassification::new(ClassificationInput {
            labels: &report_labels,
            scores: ClassScores::PerClass(&refs),
        })
        .unwrap()
        .metrics(Weights::Unit);
        let expected_loss = case["expected"][key]["log_loss"].as_f64().unwrap();
        close(
            &format!("{key}: log loss after calibration"),
            metrics.log_loss.value().unwrap(),
            expected_loss,
            tolerance,
        );
    }
}

fn check_baseline(what: &str, b: &baselines::BaselineMetrics, e: &Value) {
    metric(&format!("{what}: accuracy"), b.accuracy, &e["accuracy"]);
    for (c, class) in b.per_class.iter().enumerate() {
        metric(
            &format!("{what}: precision[{c}]"),
            class.precision,
            &e["precision"][c],
        );
        metric(
            &format!("{what}: recall[{c}]"),
            class.recall,
            &e["recall"][c],
        );
        metric(&format!("{what}: f1[{c}]"), class.f1, &e["f1"][c]);
        if let Some(p) = e["precision_undefined_probability"][c].as_f64() {
            close(
                &format!("{what}: P(precision[{c}] undefined)"),
                class.precision_undefined_probability,
                p,
                TOLERANCE,
            );
        }
    }
}

/// Zero rule against `DummyClassifier(strategy="most_frequent")`; random baselines
/// against the exact expectations obtained by enumerating every prediction vector
/// (tiny inputs) and scoring each with scikit-learn.
#[test]
fn baselines_match_dummy_classifier_and_exhaustive_enumeration() {
    let case = load("baselines");
    for (name, e) in case["zero_rule"].as_object().unwrap() {
        let labels = u32s(&load(name)["labels"]);
        let classes = e["classes"].as_u64().unwrap() as usize;
        let counts = baselines::class_counts(&labels, classes).unwrap();
        let b = baselines::zero_rule(&counts);
        let z = &e["zero_rule"];
        check_baseline(&format!("{name} zero rule"), &b, z);
        for avg in ["macro", "weighted"] {
            let (p, r, f) = if avg == "macro" {
                (b.precision_macro, b.recall_macro, b.f1_macro)
            } else {
                (b.precision_weighted, b.recall_weighted, b.f1_weighted)
            };
            metric(
                &format!("{name}: precision {avg}"),
                p,
                &z[format!("precision_{avg}")],
            );
            metric(
                &format!("{name}: recall {avg}"),
                r,
                &z[format!("recall_{avg}")],
            );
            metric(&format!("{name}: f1 {avg}"), f, &z[format!("f1_{avg}")]);
        }
    }
    let enumerated = case["random_enumerated"].as_array().unwrap();
    assert_eq!(enumerated.len(), 4);
    for e in enumerated {
        let labels = u32s(&e["labels"]);
        let classes = e["classes"].as_u64().unwrap() as usize;
        let counts = baselines::class_counts(&labels, classes).unwrap();
        let strategy = match e["strategy"].as_str().unwrap() {
            "uniform" => baselines::RandomStrategy::Uniform,
            _ => baselines::RandomStrategy::LabelDistribution,
        };
        let b = baselines::random_baseline(&counts, strategy);
        check_baseline(&format!("{labels:?} {strategy:?}"), &b, e);
    }
}

/// A multiclass heuristic baseline of ordered cases: the report's heuristic column
/// against scikit-learn's metrics of the predictions numpy made from the same cases
/// (first case that holds, default otherwise; nulls never hold).
#[test]
fn heuristic_cases_baseline_matches_scikit_learn() {
    use lockstep_core::report::types::BaselineKind;
    use lockstep_core::report::{
        ClassProbabilityColumn, EvalConfig, Heuristic, Predictions, evaluate,
    };
    use lockstep_core::{CsvOptions, Table};

    let case = load("heuristic_iris");
    let bytes = std::fs::read(fixtures().join(case["table"].as_str().unwrap())).unwrap();
    let table = Table::from_csv(&bytes, &CsvOptions::default()).unwrap();
    let pairs = case["classes"]
        .as_array()
        .unwrap()
        .iter()
        .zip(case["probability_columns"].as_array().unwrap())
        .map(|(class, column)| ClassProbabilityColumn {
            class: class.as_str().unwrap().to_owned(),
            column: column.as_str().unwrap().to_owned(),
        })
        .collect();
    let mut config = EvalConfig::new(
        case["label"].as_str().unwrap(),
        Predictions::Probabilities(pairs),
    );
    config.bootstrap.replicates = 10;
    let heuristic: Heuristic = serde_json::from_value(case["heuristic"].clone()).unwrap();
    assert!(matches!(heuristic, Heuristic::Cases(_)));
    config.baselines.heuristic = Some(heuristic);
    let report = evaluate(&table, &config).unwrap();

    let expected = case["expected"].as_object().unwrap();
    assert_eq!(expected.len(), 8);
    for (name, value) in expected {
        let row = report
            .metrics
            .iter()
            .find(|m| m.name == *name)
            .unwrap_or_else(|| panic!("no metric `{name}`"));
        let baseline = row
            .baselines
            .iter()
            .find(|b| b.baseline == BaselineKind::Heuristic)
            .unwrap_or_else(|| panic!("{name}: no heuristic baseline"));
        metric(&format!("heuristic {name}"), baseline.value, value);
    }
    let info = report
        .baselines
        .iter()
        .find(|b| b.baseline == BaselineKind::Heuristic)
        .unwrap();
    assert!(
        info.description
            .starts_with("the first case that holds: `petal_length < 2.5` → `setosa`;")
            && info.description.ends_with("otherwise `versicolor`"),
        "{}",
        info.description
    );
}
