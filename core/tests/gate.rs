//! The readiness gate: passes when every check holds, fails on each single check,
//! and a missing input for a required check is a FAIL (WARN when optional).
//!
//! Every input is one core produces: the `slices` section is core's slices attached
//! to the evaluation with a contract floor per slice (`slice:country=FR accuracy >=
//! x`), whose verdict the section carries (`passed`, `checks`); the `behaviour`
//! section is `behaviour::run_behaviour` on the behaviour fixture's models
//! (tests/data/behaviour/, scripts/fixtures/gen_behaviour.py: `fair_logreg` passes the
//! sex invariance test, `protected_logreg` fails it); the comparison is a real
//! `compare::ComparisonReport` of the compare fixture's scores
//! (tests/data/compare/binary_scores.csv: the challenger is non-inferior on ROC-AUC
//! within 0.05, and not superior).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use lockstep_core::behaviour::{BehaviourSpec, run_behaviour};
use lockstep_core::compare::types::ModelSide;
use lockstep_core::compare::{CompareConfig, SidePredictions, compare};
use lockstep_core::gate::{
    Blessing, BlessingError, GateConfig, GateInputs, Provenance, Status, export, run_gate, verify,
};
use lockstep_core::onnx::{Model, class_labels};
use lockstep_core::report::SettingsFormat;
use lockstep_core::report::types::PredictionKind;
use lockstep_core::report::{
    EvalConfig, EvalReport, HumanFigure, MetricContract, Predictions, evaluate,
};
use lockstep_core::slices::{Control, SlicesSpec, attach};
use lockstep_core::{CsvOptions, Table};
use serde_json::{Value, json};

fn report_with(human: Option<f64>) -> EvalReport {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/eval/report_binary.csv");
    let table = Table::from_csv(&std::fs::read(path).unwrap(), &CsvOptions::default()).unwrap();
    let mut config = EvalConfig::new("churned", Predictions::Score("score".to_owned()));
    config.positive_label = Some("yes".to_owned());
    config.bootstrap.replicates = 100;
    config.facts.latency_ms_per_row = Some(0.4);
    config.facts.model_size_mb = Some(2.0);
    if let Some(v) = human {
        config.baselines.human.push(HumanFigure {
            metric: "accuracy".to_owned(),
            value: v,
            source: None,
        });
    }
    evaluate(&table, &config).unwrap()
}

fn metric(report: &EvalReport, name: &str) -> (f64, f64, f64) {
    let m = report.metrics.iter().find(|m| m.name == name).unwrap();
    (
        m.lower.value().unwrap(),
        m.estimate.value().unwrap(),
        m.upper.value().unwrap(),
    )
}

const MODEL: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const PIPELINE: &str = "2222222222222222222222222222222222222222222222222222222222222222";

fn provenance() -> Provenance {
    Provenance {
        model_sha256: Some(MODEL.to_owned()),
        pipeline_sha256: Some(PIPELINE.to_owned()),
        pipeline_file_sha256: Some(PIPELINE.to_owned()),
        data_sha256: Some("33".repeat(32)),
        code_version: Some("abc123".to_owned()),
        lockstep_version: "0.1.0".to_owned(),
        gate_config_sha256: None,
        settings: vec!["bootstrap 100".to_owned()],
    }
}

/// Every check kind, each set to hold on `report_with(None)`.
fn passing_toml(report: &EvalReport) -> String {
    let (recall_lo, _, _) = metric(report, "recall");
    let (_, ece, _) = metric(report, "ece");
    format!(
        r#"
name = "churn candidate"
[[check]]
kind = "beats_baselines"
metric = "accuracy"
# The fixture's accuracy beats the zero rule (0.575) by a few points only: its lower
# bound sits at the zero rule's value, so the estimate is what is checked here.
bound = "estimate"
[[check]]
kind = "threshold"
metric = "recall"
bound = "lower"
op = ">="
value = {recall}
[[check]]
kind = "threshold"
metric = "latency_ms_per_row"
op = "<="
value = 1.0
[[check]]
kind = "calibration"
max_ece = {ece}
[[check]]
kind = "report_section"
section = "slices"
[[check]]
kind = "report_section"
section = "behaviour"
[[check]]
kind = "comparison"
[[check]]
kind = "skew"
[[check]]
kind = "reproducibility"
"#,
        recall = recall_lo - 0.01,
        ece = ece + 0.01,
    )
}

/// The real `slices` section of the fixture's evaluation: one slice per country, and a
/// contract floor on France's accuracy at `floor`.
fn slices_section(floor: f64) -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/eval/report_binary.csv");
    let table = Table::from_csv(&std::fs::read(path).unwrap(), &CsvOptions::default()).unwrap();
    let mut config = EvalConfig::new("churned", Predictions::Score("score".to_owned()));
    config.positive_label = Some("yes".to_owned());
    config.bootstrap.replicates = 20;
    config.contract = Some(
        MetricContract::from_toml(&format!(
            "optimizing = \"accuracy\"\nsatisficing = [\"slice:country=FR accuracy >= {floor}\"]\n"
        ))
        .unwrap(),
    );
    let mut report = evaluate(&table, &config).unwrap();
    let spec = SlicesSpec::from_toml("[[by]]\ncolumns = [\"country\"]\n").unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut control = Control {
        now: &|| 0.0,
        progress: &mut |_| {},
        cancel: &cancel,
    };
    attach(&mut report, &table, &config, &spec, &[], &mut control).unwrap();
    let slices = report.slices.unwrap();
    assert_eq!(slices.checks.len(), 1);
    serde_json::to_value(&slices).unwrap()
}

fn data_file(path: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data")
            .join(path),
    )
    .unwrap()
}

/// The real `behaviour` section of `model` (a behaviour fixture model) under the sex
/// invariance tests.
fn behaviour_section(model: &str) -> Value {
    let bytes = data_file(&format!("behaviour/{model}.onnx"));
    let engine = Model::from_bytes(&bytes).unwrap();
    let labels = class_labels(&bytes);
    let table = Table::from_csv(&data_file("behaviour/data.csv"), &CsvOptions::default()).unwrap();
    let spec = BehaviourSpec::from_toml(
        &String::from_utf8(data_file("behaviour/invariance_sex.toml")).unwrap(),
    )
    .unwrap();
    let report = run_behaviour(&engine, labels.as_deref(), &table, None, "label", &spec).unwrap();
    serde_json::to_value(&report).unwrap()
}

/// A real comparison report of the compare fixture's two score columns under one
/// decision on ROC-AUC (`test` = `non_inferiority` holds, `superiority` does not).
fn comparison(test: &str) -> Value {
    let table = Table::from_csv(
        &data_file("compare/binary_scores.csv"),
        &CsvOptions::default(),
    )
    .unwrap();
    let side = |column: &str| SidePredictions {
        table: &table,
        predictions: Predictions::Score(column.to_owned()),
        info: ModelSide {
            name: column.to_owned(),
            prediction_kind: PredictionKind::Labels,
            prediction_columns: Vec::new(),
            fingerprints: Default::default(),
            latency_ms_per_row: None,
        },
    };
    let mut config = CompareConfig::from_settings(
        &format!("[[decision]]\nmetric = \"roc_auc\"\ntest = \"{test}\"\nmargin = 0.05\n"),
        SettingsFormat::Toml,
    )
    .unwrap();
    config.bootstrap.replicates = 100;
    let report = compare(
        "label",
        &side("champion"),
        &side("challenger"),
        &config,
        None,
    )
    .unwrap();
    serde_json::to_value(&report).unwrap()
}

struct Inputs {
    report: EvalReport,
    json: Value,
    comparison: Value,
    skew: Value,
}

fn passing_inputs() -> Inputs {
    let report = report_with(None);
    let mut json = serde_json::to_value(&report).unwrap();
    json["slices"] = slices_section(0.0);
    json["behaviour"] = behaviour_section("fair_logreg");
    Inputs {
        report,
        json,
        comparison: comparison("non_inferiority"),
        skew: json!({
            "rows": 1000,
            "passed": true,
            "fingerprints": {"model_expected": MODEL, "pipeline_expected": PIPELINE},
            "checks": [{"group": "transform", "subject": "income", "passed": true, "message": ""}]
        }),
    }
}

fn gate(toml: &str, i: &Inputs, p: &Provenance) -> lockstep_core::gate::GateReport {
    let config = GateConfig::from_toml(toml).unwrap();
    run_gate(
        &config,
        &GateInputs {
            report: Some(&i.report),
            report_json: Some(&i.json),
            comparison: Some(&i.comparison),
            skew: Some(&i.skew),
        },
        p,
    )
}

fn statuses(r: &lockstep_core::gate::GateReport) -> Vec<Status> {
    r.checks.iter().map(|c| c.status).collect()
}

#[test]
fn passes_when_every_check_holds() {
    let i = passing_inputs();
    let r = gate(&passing_toml(&i.report), &i, &provenance());
    assert_eq!(statuses(&r), vec![Status::Pass; 9], "{:#?}", r.checks);
    assert_eq!(r.verdict, Status::Pass);
    assert!(
        r.checks[0].evidence.contains("beats"),
        "{}",
        r.checks[0].evidence
    );
}

#[test]
fn fails_on_each_single_check() {
    let base = passing_inputs();
    let toml = passing_toml(&base.report);
    let (_, recall, recall_hi) = metric(&base.report, "recall");
    let (_, ece, _) = metric(&base.report, "ece");
    // (index of the failing check, how it is made to fail)
    type Breaker = Box<dyn Fn(&mut Inputs, &mut String, &mut Provenance)>;
    let breakers: Vec<(usize, Breaker)> = vec![
        (
            0,
            Box::new(|i, _, _| {
                // A human-level baseline the model does not beat.
                i.report = report_with(Some(0.999));
            }),
        ),
        (
            1,
            Box::new(move |_, t, _| {
                // The point estimate would pass; the lower bound does not.
                *t = t.replacen(
                    &format!("value = {}", recall_lo_of(t)),
                    &format!("value = {}", (recall + recall_hi) / 2.0),
                    1,
                );
            }),
        ),
        (
            2,
            Box::new(|i, _, _| i.report.facts.latency_ms_per_row = Some(3.0)),
        ),
        (
            3,
            Box::new(move |_, t, _| {
                *t = t.replace(
                    &format!("max_ece = {}", ece + 0.01),
                    &format!("max_ece = {}", ece / 2.0),
                )
            }),
        ),
        (
            4,
            Box::new(|i, _, _| {
                // France's accuracy below an impossible floor.
                i.json["slices"] = slices_section(1.01);
            }),
        ),
        (
            5,
            Box::new(|i, _, _| {
                // A model that reads the protected column fails the invariance test.
                i.json["behaviour"] = behaviour_section("protected_logreg");
            }),
        ),
        (
            6,
            Box::new(|i, _, _| i.comparison = comparison("superiority")),
        ),
        (
            7,
            Box::new(|i, _, _| {
                i.skew["passed"] = json!(false);
                i.skew["checks"][0]["passed"] = json!(false);
            }),
        ),
        (8, Box::new(|_, _, p| p.data_sha256 = None)),
    ];
    for (index, brk) in breakers {
        let mut i = passing_inputs();
        let mut t = toml.clone();
        let mut p = provenance();
        brk(&mut i, &mut t, &mut p);
        let r = gate(&t, &i, &p);
        let mut expected = vec![Status::Pass; 9];
        expected[index] = Status::Fail;
        assert_eq!(statuses(&r), expected, "check {index}: {:#?}", r.checks);
        assert_eq!(r.verdict, Status::Fail);
        if index == 5 || index == 6 {
            // The failing test or decision is named.
            assert!(
                r.checks[index].evidence.contains("fails"),
                "{}",
                r.checks[index].evidence
            );
        }
        if index == 4 {
            // The failing floor is named.
            assert!(
                r.checks[4].evidence.contains("slice:country=FR accuracy"),
                "{}",
                r.checks[4].evidence
            );
        }
    }
}

/// The `value = …` of the recall check in a passing TOML.
fn recall_lo_of(toml: &str) -> String {
    toml.lines()
        .skip_while(|l| !l.contains("metric = \"recall\""))
        .find_map(|l| l.strip_prefix("value = "))
        .unwrap()
        .to_owned()
}

#[test]
fn skew_report_for_another_model_fails() {
    let mut i = passing_inputs();
    i.skew["fingerprints"]["model_expected"] = json!("ab".repeat(32));
    let r = gate(&passing_toml(&i.report), &i, &provenance());
    assert_eq!(r.checks[7].status, Status::Fail);
    assert!(
        r.checks[7].evidence.contains("another model"),
        "{}",
        r.checks[7].evidence
    );
}

#[test]
fn a_missing_input_fails_a_required_check_and_warns_an_optional_one() {
    let toml = r#"
[[check]]
kind = "report_section"
section = "slices"
[[check]]
kind = "skew"
required = false
[[check]]
kind = "comparison"
[[check]]
kind = "threshold"
metric = "recall"
op = ">="
value = 0.5
"#;
    let config = GateConfig::from_toml(toml).unwrap();
    let r = run_gate(&config, &GateInputs::default(), &provenance());
    assert_eq!(
        statuses(&r),
        vec![Status::Fail, Status::Warn, Status::Fail, Status::Fail]
    );
    assert!(
        r.checks
            .iter()
            .all(|c| c.evidence.starts_with("missing input"))
    );
    // Present report, absent section.
    let i = passing_inputs();
    let json = serde_json::to_value(&i.report).unwrap();
    let r = run_gate(
        &config,
        &GateInputs {
            report: Some(&i.report),
            report_json: Some(&json),
            ..GateInputs::default()
        },
        &provenance(),
    );
    assert_eq!(r.checks[0].status, Status::Fail);
    assert!(
        r.checks[0].evidence.contains("no `slices` section"),
        "{}",
        r.checks[0].evidence
    );
    assert_eq!(r.checks[3].status, Status::Pass, "{}", r.checks[3].evidence);
    // Only the optional check warns: the verdict is WARN.
    let warn_only =
        GateConfig::from_toml("[[check]]\nkind = \"skew\"\nrequired = false\n").unwrap();
    assert_eq!(
        run_gate(&warn_only, &GateInputs::default(), &provenance()).verdict,
        Status::Warn
    );
}

#[test]
fn bad_gate_files_are_named_errors() {
    assert_eq!(
        GateConfig::from_toml("name = \"x\"")
            .unwrap_err()
            .to_string(),
        "the gate declares no checks: add at least one [[check]]"
    );
    let e = GateConfig::from_toml(
        "[[check]]\nkind = \"threshold\"\nmetric = \"recall\"\nop = \"=>\"\nvalue = 1\n",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "check 1: unknown variant `=>`, expected one of `>=`, `>`, `<=`, `<`"
    );
    let e = GateConfig::from_toml("[[check]]\nkind = \"teleport\"\n").unwrap_err();
    assert!(e.to_string().contains("teleport"), "{e}");
    let e =
        GateConfig::from_toml("[[check]]\nkind = \"calibration\"\nmax_ece = nan\n").unwrap_err();
    assert!(e.to_string().contains("finite"), "{e}");
}

#[test]
fn exports_and_blessing() {
    let i = passing_inputs();
    let r = gate(&passing_toml(&i.report), &i, &provenance());
    let text = export::json(&r).unwrap();
    assert_eq!(export::from_json(&text).unwrap(), r);
    let md = export::markdown(&r);
    assert!(
        md.contains("**Verdict: PASS**") && md.contains("| PASS |"),
        "{md}"
    );
    let html = export::html(&r);
    assert!(html.contains("<strong class=\"pass\">PASS</strong>"));
    let junit = export::junit(&r);
    assert!(junit.contains("tests=\"9\" failures=\"0\""), "{junit}");

    let blessing = Blessing::new(&r).unwrap();
    let round = Blessing::from_json(&blessing.to_json().unwrap()).unwrap();
    assert_eq!(round, blessing);
    // Bytes whose sha256 is not MODEL: refused with a named error.
    assert!(matches!(
        verify(&blessing, b"model", Some(b"p")),
        Err(BlessingError::ModelMismatch { .. })
    ));
    let mut failed = blessing.clone();
    failed.verdict = Status::Fail;
    assert_eq!(verify(&failed, b"m", None), Err(BlessingError::NotPassed));
}
