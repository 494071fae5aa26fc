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
        6,
        "reliability (all rows), recalibration, ROC, PR, sweep, confusion matrix"
    );
    // Every chart parses as XML.
    for svg in page.split("<svg").skip(1) {
        let end = svg.find("</svg>").unwrap() + "</svg>".len();
        roxmltree::Document::parse(&format!("<svg{}", &svg[..end])).unwrap();
    }
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

/// The elements of `doc` with tag `name` (in the SVG namespace).
fn elements<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants()
        .filter(|n| n.tag_name().name() == name)
        .collect()
}

fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    elements(doc, "text")
        .iter()
        .filter_map(|n| n.text().map(str::to_owned))
        .collect()
}

/// Every focusable element says what it is and shows it on hover.
fn check_focusable(doc: &roxmltree::Document<'_>) -> usize {
    let focusable: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("tabindex") == Some("0"))
        .collect();
    for n in &focusable {
        let label = n.attribute("aria-label").unwrap();
        let title = n
            .children()
            .find(|c| c.tag_name().name() == "title")
            .unwrap();
        assert_eq!(title.text(), Some(label));
    }
    focusable.len()
}

#[test]
fn charts_are_well_formed_labelled_and_focusable() {
    use lockstep_core::chart;
    use lockstep_core::report::types::{ConfusionReport, CurveReport};

    let report = report();
    let root_attrs = |doc: &roxmltree::Document<'_>| {
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        assert!(root.attribute("aria-label").is_some());
        assert!(root.attribute("class").unwrap().contains("ls-chart"));
    };

    let roc = report.roc.as_ref().unwrap();
    let c = chart::roc(roc);
    let doc = roxmltree::Document::parse(&c.svg).unwrap();
    root_attrs(&doc);
    let t = texts(&doc);
    assert!(
        t.iter().any(|s| s == "false-positive rate") && t.iter().any(|s| s == "true-positive rate")
    );
    let line = elements(&doc, "polyline");
    assert_eq!(line.len(), 1);
    let vertices = line[0].attribute("points").unwrap().split(' ').count();
    assert!(vertices >= 2 && vertices <= roc.x.len() + 1, "{vertices}");
    assert!(check_focusable(&doc) >= 2);

    let pr = chart::precision_recall(report.pr.as_ref().unwrap());
    let doc = roxmltree::Document::parse(&pr.svg).unwrap();
    assert!(texts(&doc).iter().any(|s| s == "recall"));
    check_focusable(&doc);

    // Reliability: one focusable marker per bin with a value, in both binnings.
    let width = report.reliability.as_ref().unwrap();
    let mass = report.reliability_equal_mass.as_ref().unwrap();
    let c = chart::reliability(
        "Reliability",
        "mean predicted probability",
        &[("equal width".into(), width), ("equal mass".into(), mass)],
    );
    let doc = roxmltree::Document::parse(&c.svg).unwrap();
    let defined = |r: &lockstep_core::report::types::ReliabilityReport| {
        r.bins
            .iter()
            .filter(|b| {
                b.mean_predicted.value().is_some() && b.observed_frequency.value().is_some()
            })
            .count()
    };
    assert_eq!(check_focusable(&doc), defined(width) + defined(mass));
    assert!(texts(&doc).iter().any(|s| s == "observed frequency"));

    // Threshold sweep: the chosen-threshold slider and the scale that maps a pointer back.
    let sweep = report.threshold_sweep.as_ref().unwrap();
    let c = chart::threshold_sweep(sweep, Some(0.3));
    let doc = roxmltree::Document::parse(&c.svg).unwrap();
    let slider = doc
        .descendants()
        .find(|n| n.attribute("role") == Some("slider"))
        .unwrap();
    assert_eq!(slider.attribute("aria-valuenow"), Some("0.3"));
    let cx: f64 = slider.attribute("cx").unwrap().parse().unwrap();
    assert!((c.x.from_px(cx) - 0.3).abs() < 1e-3);
    assert_eq!(elements(&doc, "polyline").len(), 3);
    assert!(texts(&doc).iter().any(|s| s == "threshold"));

    // Confusion matrix: k × k focusable cells; names are escaped.
    let confusion = ConfusionReport {
        classes: vec!["<a&b>".into(), "x\"y".into(), "z".into()],
        counts: vec![vec![5, 1, 0], vec![2, 7, 1], vec![0, 0, 9]],
    };
    let c = chart::confusion_matrix(&confusion);
    assert!(!c.svg.contains("<a&b>"));
    let doc = roxmltree::Document::parse(&c.svg).unwrap();
    assert_eq!(check_focusable(&doc), 9);
    let t = texts(&doc);
    assert!(
        t.iter().any(|s| s == "<a&b>")
            && t.iter().any(|s| s == "predicted")
            && t.iter().any(|s| s == "actual")
    );
    assert!(t.iter().any(|s| s == "7"));

    // A million-point curve stays small.
    let n = 1_000_000u32;
    let x: Vec<f64> = (0..n).map(|i| f64::from(i) / f64::from(n)).collect();
    let big = CurveReport {
        y: x.iter().map(|v| v.sqrt()).collect(),
        thresholds: x.iter().map(|v| 1.0 - v).collect(),
        x,
        area: lockstep_core::metrics::Metric::Value(0.66),
        total_points: u64::from(n),
    };
    let c = chart::roc(&big);
    assert!(c.svg.len() < 60_000, "{}", c.svg.len());
    roxmltree::Document::parse(&c.svg).unwrap();
}
