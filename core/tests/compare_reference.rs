//! Champion vs challenger against independent implementations.
//!
//! Fixtures in tests/data/compare were written by scripts/fixtures/gen_compare.py:
//! statsmodels 0.15 `mcnemar(exact=True)`; the numpy port of Sun & Xu's fast DeLong
//! (Yandex Data School) with scipy's normal distribution; and scikit-learn 1.9 metrics
//! of both models on every bootstrap resample (drawn by a Python re-implementation of
//! the SplitMix64 streams), the interval of the difference being numpy's percentile of
//! the per-replicate differences.
//!
//! Tolerances: bootstrap intervals and point metrics 1e-9 absolute (f64 both sides,
//! the same terms summed in another order); DeLong 1e-10 absolute on AUCs, the
//! difference, its standard error and interval, 1e-9 relative on z and the p-value;
//! McNemar counts exactly, p-values 1e-12 relative (the binomial tail is summed here
//! from Loader's saddle-point density; statsmodels calls scipy's `binom.cdf`).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use lockstep_core::compare::delong::delong;
use lockstep_core::compare::mcnemar::mcnemar_exact;
use lockstep_core::compare::types::{Estimate, ModelSide};
use lockstep_core::compare::{CompareConfig, SidePredictions, compare};
use lockstep_core::metrics::RankedScores;
use lockstep_core::report::Predictions;
use lockstep_core::report::types::PredictionKind;
use lockstep_core::table::{CsvOptions, Table};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/compare")
}

fn fixture() -> Value {
    serde_json::from_slice(&std::fs::read(dir().join("compare.json")).unwrap()).unwrap()
}

fn table(csv: &str) -> Table {
    Table::from_csv(
        &std::fs::read(dir().join(csv)).unwrap(),
        &CsvOptions::default(),
    )
    .unwrap()
}

fn side<'a>(table: &'a Table, name: &str, predictions: Predictions) -> SidePredictions<'a> {
    SidePredictions {
        table,
        predictions,
        info: ModelSide {
            name: name.to_owned(),
            prediction_kind: PredictionKind::Labels,
            prediction_columns: Vec::new(),
            fingerprints: Default::default(),
            latency_ms_per_row: None,
        },
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} vs expected {expected} (tolerance {tolerance})"
    );
}

fn relative(what: &str, actual: f64, expected: f64, tolerance: f64) {
    let scale = expected.abs().max(f64::MIN_POSITIVE);
    assert!(
        (actual - expected).abs() / scale <= tolerance,
        "{what}: {actual} vs expected {expected} (relative tolerance {tolerance})"
    );
}

fn check_estimate(what: &str, e: &Estimate, expected: &Value) {
    let x = floats(expected);
    close(
        &format!("{what} estimate"),
        e.estimate.value().unwrap(),
        x[0],
        1e-9,
    );
    close(
        &format!("{what} lower"),
        e.lower.value().unwrap(),
        x[1],
        1e-9,
    );
    close(
        &format!("{what} upper"),
        e.upper.value().unwrap(),
        x[2],
        1e-9,
    );
}

fn check_delong(what: &str, t: &lockstep_core::compare::delong::DeLong, e: &Value) {
    assert_eq!(t.positives, e["positives"].as_u64().unwrap(), "{what}");
    assert_eq!(t.negatives, e["negatives"].as_u64().unwrap(), "{what}");
    for (name, actual) in [
        ("champion_auc", t.champion_auc),
        ("challenger_auc", t.challenger_auc),
        ("difference", t.difference),
        ("std_error", t.std_error),
        ("lower", t.lower),
        ("upper", t.upper),
    ] {
        close(
            &format!("{what} {name}"),
            actual,
            e[name].as_f64().unwrap(),
            1e-10,
        );
    }
    relative(
        &format!("{what} z"),
        t.z.unwrap(),
        e["z"].as_f64().unwrap(),
        1e-9,
    );
    relative(
        &format!("{what} p"),
        t.p_value,
        e["p_value"].as_f64().unwrap(),
        1e-9,
    );
}

fn check_mcnemar(what: &str, t: &lockstep_core::compare::mcnemar::McNemar, e: &Value) {
    for (name, actual) in [
        ("both_correct", t.both_correct),
        ("champion_only_correct", t.champion_only_correct),
        ("challenger_only_correct", t.challenger_only_correct),
        ("both_wrong", t.both_wrong),
        ("statistic", t.statistic),
    ] {
        assert_eq!(actual, e[name].as_u64().unwrap(), "{what} {name}");
    }
    relative(
        &format!("{what} p"),
        t.p_value,
        e["p_value"].as_f64().unwrap(),
        1e-12,
    );
}

#[test]
fn paired_bootstrap_matches_scikit_learn_on_the_same_resamples() {
    let f = fixture();
    let case = &f["binary"];
    let t = table(case["csv"].as_str().unwrap());
    let mut config = CompareConfig::default();
    let b = &case["bootstrap"];
    config.bootstrap.replicates = b["replicates"].as_u64().unwrap() as u32;
    config.bootstrap.seed = b["seed"].as_u64().unwrap();
    config.bootstrap.confidence = b["confidence"].as_f64().unwrap();
    let report = compare(
        "label",
        &side(&t, "a", Predictions::Score("champion".into())),
        &side(&t, "b", Predictions::Score("challenger".into())),
        &config,
        None,
    )
    .unwrap();
    let expected = case["metrics"].as_object().unwrap();
    assert_eq!(expected.len(), 10);
    for (name, e) in expected {
        let m = report
            .metrics
            .iter()
            .find(|m| &m.name == name)
            .unwrap_or_else(|| panic!("{name} missing from the report"));
        check_estimate(&format!("{name} champion"), &m.champion, &e["champion"]);
        check_estimate(
            &format!("{name} challenger"),
            &m.challenger,
            &e["challenger"],
        );
        check_estimate(
            &format!("{name} difference"),
            &m.difference,
            &e["difference"],
        );
        assert_eq!(m.defined_replicates, config.bootstrap.replicates, "{name}");
    }
    check_mcnemar("binary", report.mcnemar.as_ref().unwrap(), &case["mcnemar"]);
    check_delong("binary", report.delong.as_ref().unwrap(), &case["delong"]);
    let roc = report.roc.as_ref().unwrap();
    close(
        "champion ROC area",
        roc.champion.area.value().unwrap(),
        case["delong"]["champion_auc"].as_f64().unwrap(),
        1e-12,
    );
}

#[test]
fn delong_matches_the_reference_port_with_ties_and_close_models() {
    for case in fixture()["delong"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let labels: Vec<bool> = case["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() == 1)
            .collect();
        let a = RankedScores::new("champion", &floats(&case["champion"])).unwrap();
        let b = RankedScores::new("challenger", &floats(&case["challenger"])).unwrap();
        let t = delong(&a, &b, |r| labels[r], case["confidence"].as_f64().unwrap()).unwrap();
        check_delong(name, &t, &case["expected"]);
    }
}

#[test]
fn mcnemar_matches_statsmodels_up_to_a_million_discordant_rows() {
    for case in fixture()["mcnemar_counts"].as_array().unwrap() {
        let (b, c) = (
            case["b"].as_u64().unwrap() as usize,
            case["c"].as_u64().unwrap() as usize,
        );
        // 100 rows both right, 100 both wrong, b only the champion, c only the challenger.
        let champion = std::iter::repeat_n(true, 100)
            .chain(std::iter::repeat_n(false, 100))
            .chain(std::iter::repeat_n(true, b))
            .chain(std::iter::repeat_n(false, c));
        let challenger = std::iter::repeat_n(true, 100)
            .chain(std::iter::repeat_n(false, 100))
            .chain(std::iter::repeat_n(false, b))
            .chain(std::iter::repeat_n(true, c));
        let t = mcnemar_exact(champion, challenger);
        assert_eq!(t.statistic, case["statistic"].as_u64().unwrap(), "{b} {c}");
        let expected = case["p_value"].as_f64().unwrap();
        relative(&format!("b={b} c={c}"), t.p_value, expected, 1e-12);
    }
}

#[test]
fn multiclass_predicted_classes_give_mcnemar_and_accuracy() {
    let f = fixture();
    let case = &f["wine"];
    let t = table(case["csv"].as_str().unwrap());
    let report = compare(
        "label",
        &side(&t, "a", Predictions::Column("champion".into())),
        &side(&t, "b", Predictions::Column("challenger".into())),
        &CompareConfig::default(),
        None,
    )
    .unwrap();
    check_mcnemar("wine", report.mcnemar.as_ref().unwrap(), &case["mcnemar"]);
    let acc = report
        .metrics
        .iter()
        .find(|m| m.name == "accuracy")
        .unwrap();
    let expected = floats(&case["accuracy"]);
    close(
        "champion accuracy",
        acc.champion.estimate.value().unwrap(),
        expected[0],
        1e-12,
    );
    close(
        "challenger accuracy",
        acc.challenger.estimate.value().unwrap(),
        expected[1],
        1e-12,
    );
    assert!(report.delong.is_none() && report.roc.is_none());
    // Hard predictions: no probability metric is compared.
    assert!(report.metrics.iter().all(|m| m.name != "log_loss"));
}
