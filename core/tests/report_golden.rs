//! Golden files: the four exports of one deterministic report, compared byte for
//! byte with tests/data/eval/report_golden/. After an intended change, rewrite
//! them with `UPDATE_GOLDEN=1 cargo test -p lockstep-core --test report_golden`
//! and review the diff.
//!
//! The input is tests/data/eval/report_binary.csv (scripts/fixtures/
//! gen_report_fixture.py); its numbers are checked against the metric functions
//! in tests/report.rs, so these files pin formatting and layout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockstep_core::report::{
    ClassProbabilityColumn, EvalConfig, EvalReport, Fingerprints, HumanFigure, MetricContract,
    Predictions, evaluate, export, sha256_hex,
};
use lockstep_core::{CsvOptions, Table};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/eval")
}

fn report() -> EvalReport {
    let bytes = std::fs::read(data_dir().join("report_binary.csv")).unwrap();
    let table = Table::from_csv(&bytes, &CsvOptions::default()).unwrap();
    let mut config = EvalConfig::new("churned", Predictions::Score("score".into()));
    config.positive_label = Some("yes".into());
    config.bootstrap.replicates = 200;
    config.bootstrap.seed = 11;
    config.split.key_column = Some("customer_id".into());
    config.split.seed = 3;
    config.max_curve_points = 25;
    config.targets.precision = Some(0.8);
    config.targets.coverage = Some(0.5);
    config.baselines.heuristic =
        Some(r#"tenure_months < 12 or (age < 30 and country == "FR")"#.into());
    config.baselines.existing_column = Some("legacy_flag".into());
    config.baselines.human.push(HumanFigure {
        metric: "accuracy".into(),
        value: 0.75,
        source: Some("retention team <review>".into()),
    });
    config.contract = Some(
        MetricContract::from_toml(
            r#"
optimizing = "f1"
satisficing = [
    "f1 >= 0.8",
    "ece <= 0.05",
    "roc_auc >= 0.7",
    "latency_ms_per_row <= 1",
    "model_size_mb <= 50",
]
"#,
        )
        .unwrap(),
    );
    config.facts.latency_ms_per_row = Some(0.04);
    config.fingerprints = Fingerprints::of(Some(&bytes), Some(b"model bytes stand-in"), None);
    // A pipeline fingerprint stand-in (the golden files carry this digest).
    config.fingerprints.pipeline_sha256 = Some(sha256_hex(br#"{"steps":[]}"#));
    evaluate(&table, &config).unwrap()
}

fn load(name: &str) -> Table {
    let bytes = std::fs::read(data_dir().join(name)).unwrap();
    Table::from_csv(&bytes, &CsvOptions::default()).unwrap()
}

/// Three classes with per-class probabilities: top-label reliability, one-vs-rest
/// calibration, a confidence sweep and a per-class table.
fn multiclass_report() -> EvalReport {
    let pairs = ["bird", "cat", "dog"]
        .iter()
        .map(|c| ClassProbabilityColumn {
            class: (*c).into(),
            column: format!("p_{c}"),
        })
        .collect();
    let mut config = EvalConfig::new("animal", Predictions::Probabilities(pairs));
    config.bootstrap.replicates = 100;
    config.max_curve_points = 20;
    config.targets.precision = Some(0.9);
    config.baselines.existing_column = Some("legacy".into());
    config.contract = Some(
        MetricContract::from_json(
            r#"{"optimizing": "f1_macro", "satisficing": ["log_loss < 0.8"]}"#,
        )
        .unwrap(),
    );
    evaluate(&load("report_multiclass.csv"), &config).unwrap()
}

/// Regression with the mean baseline and an existing estimate.
fn regression_report() -> EvalReport {
    let mut config = EvalConfig::new("price", Predictions::Column("predicted".into()));
    config.bootstrap.replicates = 100;
    config.baselines.existing_column = Some("legacy_estimate".into());
    config.contract = Some(
        MetricContract::from_toml(
            "optimizing = \"mae\"\nsatisficing = [\"r2 >= 0.5\", \"ece <= 0.1\"]",
        )
        .unwrap(),
    );
    evaluate(&load("report_regression.csv"), &config).unwrap()
}

fn check(name: &str, actual: &str) {
    let path = data_dir().join("report_golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or(expected.lines().count().min(actual.lines().count()), |i| i);
        panic!(
            "{name} differs from the golden file at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             rerun with UPDATE_GOLDEN=1 if the change is intended",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn json_export_matches_the_golden_file() {
    check("report.json", &export::json(&report()).unwrap());
}

/// A 1.0.0 report (before equal-mass bins) still reads: the new fields default.
#[test]
fn a_report_without_the_1_1_fields_still_reads() {
    let mut value = serde_json::to_value(report()).unwrap();
    let object = value.as_object_mut().unwrap();
    object.remove("reliability_equal_mass");
    object["schema_version"] = "1.0.0".into();
    object["reliability"]
        .as_object_mut()
        .unwrap()
        .remove("strategy");
    let read = export::from_json(&value.to_string()).unwrap();
    assert!(read.reliability_equal_mass.is_none());
    assert_eq!(
        read.reliability.unwrap().strategy,
        lockstep_core::metrics::calibration::BinStrategy::EqualWidth
    );
}

#[test]
fn markdown_export_matches_the_golden_file() {
    check("report.md", &export::markdown(&report()));
}

#[test]
fn html_export_matches_the_golden_file() {
    check("report.html", &export::html(&report()));
}

#[test]
fn junit_export_matches_the_golden_file() {
    check("report.junit.xml", &export::junit(&report()));
}

#[test]
fn multiclass_exports_match_the_golden_files() {
    let report = multiclass_report();
    check("multiclass.md", &export::markdown(&report));
    check("multiclass.html", &export::html(&report));
}

#[test]
fn regression_exports_match_the_golden_files() {
    let report = regression_report();
    check("regression.md", &export::markdown(&report));
    check("regression.junit.xml", &export::junit(&report));
}

#[test]
fn html_is_self_contained_and_holds_no_data_rows() {
    let page = export::html(&report());
    assert!(!page.contains("<script"));
    assert!(!page.contains("src="));
    assert!(!page.contains("href="));
    // Only the SVG namespace URI may appear.
    assert_eq!(
        page.matches("http").count(),
        page.matches(r#"xmlns="http://www.w3.org/2000/svg""#)
            .count()
    );
    assert_eq!(
        page.matches("<svg").count(),
        5,
        "reliability (all rows), recalibration, ROC, PR, sweep"
    );
    // Both binnings of all rows, as tables.
    assert!(
        page.contains("<h3>Equal-width bins</h3>") && page.contains("<h3>Equal-mass bins</h3>")
    );
    // No customer id (a row key) leaks into the page.
    assert!(!page.contains("c0001"));
    assert!(page.contains("retention team &lt;review&gt;"));
}

#[test]
fn junit_has_one_case_per_contract_line() {
    let report = report();
    let xml = export::junit(&report);
    let contract = report.contract.as_ref().unwrap();
    assert_eq!(xml.matches("<testcase ").count(), contract.lines.len());
    let failures = contract.lines.iter().filter(|l| !l.passed).count();
    assert_eq!(xml.matches("<failure ").count(), failures);
    assert!(xml.contains(&format!(
        r#"tests="{}" failures="{failures}""#,
        contract.lines.len()
    )));
    assert!(xml.contains("name=\"f1 &gt;= 0.8\""));
    assert!(!xml.contains(">=")); // every `>` escaped
}
