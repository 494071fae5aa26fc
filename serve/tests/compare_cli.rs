//! `lockstep compare`, run as a user would: two real skl2onnx models (or two columns)
//! on real rows. Expected numbers come from tests/data/compare/compare.json
//! (scripts/fixtures/gen_compare.py: ONNX Runtime's outputs scored by scikit-learn,
//! statsmodels' McNemar, the reference fast DeLong), never from this file.
//!
//! Tolerance: the models run here on the core engine (f32, like ONNX Runtime, but not
//! bit for bit across machines), so AUCs and DeLong's numbers are compared at 1e-6;
//! McNemar's counts (predictions at threshold 0.5) exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

const DIR: &str = "tests/data/compare";

fn lockstep(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    command.args(args).current_dir(repo());
    if std::env::var_os("ORT_DYLIB_PATH").is_none()
        && let Some(lib) = lockstep_serve::ort_engine::find_in_venv(&repo())
    {
        command.env("ORT_DYLIB_PATH", lib);
    }
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn fixture() -> Value {
    serde_json::from_slice(&std::fs::read(repo().join(DIR).join("compare.json")).unwrap()).unwrap()
}

fn close(what: &str, actual: &Value, expected: &Value, tolerance: f64) {
    let (a, e) = (actual.as_f64().unwrap(), expected.as_f64().unwrap());
    assert!(
        (a - e).abs() <= tolerance,
        "{what}: {a} vs expected {e} (tolerance {tolerance})"
    );
}

fn metric<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// Both models through `compare --engine ENGINE`, as JSON; returns the exit code and report.
fn compare_models(dir: &Path, engine: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let out_path = dir.join("report.json");
    let mut args = vec![
        "compare",
        "--data",
        "tests/data/compare/breast_cancer_rows.csv",
        "--label",
        "target",
        "--champion",
        "tests/data/compare/champion.onnx",
        "--challenger",
        "tests/data/compare/challenger.onnx",
        "--engine",
        engine,
        "--bootstrap",
        "200",
        "--format",
        "json",
        "-o",
        out_path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = lockstep(&args);
    let report = std::fs::read(&out_path)
        .ok()
        .map_or(Value::Null, |b| serde_json::from_slice(&b).unwrap());
    (out.status.code(), report, stderr(&out))
}

#[test]
fn two_onnx_models_compare_like_scikit_learn_on_either_engine() {
    let f = fixture();
    let e = &f["onnx"];
    let dir = tempfile::tempdir().unwrap();
    for engine in ["core", "onnxruntime"] {
        let (code, report, err) = compare_models(dir.path(), engine, &[]);
        // Default decision: non-inferiority on ROC-AUC; the challenger is never worse.
        assert_eq!(code, Some(0), "{engine}: {err}");
        assert_eq!(report["verdict"]["accepted"], true);
        assert_eq!(report["checks"][0]["default"], true);
        assert_eq!(
            report["schema_version"],
            lockstep_core::compare::COMPARE_SCHEMA_VERSION
        );
        let auc = metric(&report, "roc_auc");
        close(
            "champion auc",
            &auc["champion"]["estimate"]["value"],
            &e["roc_auc"][0],
            1e-6,
        );
        close(
            "challenger auc",
            &auc["challenger"]["estimate"]["value"],
            &e["roc_auc"][1],
            1e-6,
        );
        let acc = metric(&report, "accuracy");
        close(
            "champion acc",
            &acc["champion"]["estimate"]["value"],
            &e["accuracy"][0],
            1e-12,
        );
        close(
            "challenger acc",
            &acc["challenger"]["estimate"]["value"],
            &e["accuracy"][1],
            1e-12,
        );
        for key in [
            "both_correct",
            "champion_only_correct",
            "challenger_only_correct",
            "both_wrong",
            "statistic",
        ] {
            assert_eq!(report["mcnemar"][key], e["mcnemar"][key], "{engine} {key}");
        }
        close(
            "mcnemar p",
            &report["mcnemar"]["p_value"],
            &e["mcnemar"]["p_value"],
            1e-12,
        );
        for key in ["difference", "std_error", "p_value", "lower", "upper"] {
            close(
                &format!("{engine} delong {key}"),
                &report["delong"][key],
                &e["delong"][key],
                1e-6,
            );
        }
        // Fingerprints of both model files and of the data.
        assert_eq!(report["champion"]["name"], "champion.onnx");
        assert_eq!(
            report["challenger"]["fingerprints"]["model_sha256"]
                .as_str()
                .unwrap()
                .len(),
            64
        );
        assert!(report["data_sha256"].is_string());
        assert_eq!(report["roc"]["champion"]["x"][0], 0.0);
    }
}

#[test]
fn a_declared_superiority_that_fails_exits_1_with_a_junit_failure() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("compare.toml");
    std::fs::write(
        &config,
        "[[decision]]\nmetric = \"accuracy\"\ntest = \"superiority\"\n\n[[decision]]\nmetric = \"roc_auc\"\ntest = \"non_inferiority\"\nmargin = 0.01\ninterval = \"delong\"\n",
    )
    .unwrap();
    let junit = dir.path().join("report.xml");
    let out = lockstep(&[
        "compare",
        "--data",
        "tests/data/compare/breast_cancer_rows.csv",
        "--label",
        "target",
        "--champion",
        "tests/data/compare/champion.onnx",
        "--challenger",
        "tests/data/compare/challenger.onnx",
        "--bootstrap",
        "100",
        "--config",
        config.to_str().unwrap(),
        "--format",
        "junit",
        "-o",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].attribute("name"), Some("superiority accuracy"));
    assert!(cases[0].children().any(|c| c.has_tag_name("failure")));
    assert!(!cases[1].children().any(|c| c.has_tag_name("failure")));
    assert!(stderr(&out).contains("challenger rejected"));
}

#[test]
fn two_score_columns_give_an_html_page_with_both_roc_curves() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let out = lockstep(&[
        "compare",
        "--data",
        "tests/data/compare/binary_scores.csv",
        "--label",
        "label",
        "--champion-col",
        "champion",
        "--challenger-col",
        "challenger",
        "--bootstrap",
        "100",
        "--format",
        "html",
        "-o",
        html.to_str().unwrap(),
    ]);
    // The challenger (naive Bayes) ranks worse: ROC-AUC's whole interval is below 0.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("REJECTED"));
    assert_eq!(page.matches("<svg").count(), 2, "ROC curves and the deltas");
    assert!(page.matches("<polyline").count() >= 2);
    assert!(page.contains("DeLong"));
    assert!(!page.contains("<script"));
}

#[test]
fn bad_input_exits_2_with_a_named_error() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--champion-col", "champion", "--challenger-col", "nope"],
            "nope",
        ),
        (&["--champion-col", "champion"], "--challenger"),
        (
            &[
                "--champion-col",
                "champion",
                "--challenger-col",
                "challenger",
                "--bootstrap",
                "0",
            ],
            "bootstrap.replicates",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec![
            "compare",
            "--data",
            "tests/data/compare/binary_scores.csv",
            "--label",
            "label",
        ];
        args.extend_from_slice(extra);
        let out = lockstep(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{extra:?}: {}",
            stderr(&out)
        );
    }
    // A decision on ROC-AUC when a side gives predicted classes only.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(
        &config,
        "[[decision]]\nmetric = \"roc_auc\"\ntest = \"superiority\"\n",
    )
    .unwrap();
    let out = lockstep(&[
        "compare",
        "--data",
        "tests/data/compare/wine_predictions.csv",
        "--label",
        "label",
        "--champion-col",
        "champion",
        "--challenger-col",
        "challenger",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`roc_auc` needs probabilities"),
        "{}",
        stderr(&out)
    );
}

/// `--slices`: the comparison within each slice of a slices.toml, in the JSON report
/// and the Markdown one; a bad file is a named error (exit 2).
#[test]
fn slices_give_per_slice_deltas() {
    let dir = tempfile::tempdir().unwrap();
    let slices = dir.path().join("slices.toml");
    std::fs::write(
        &slices,
        "[[slice]]\nname = \"large\"\nwhere = 'f0 > 15'\n\n[[slice]]\nname = \"small\"\nwhere = 'f0 <= 15'\n",
    )
    .unwrap();
    let (code, report, err) =
        compare_models(dir.path(), "core", &["--slices", slices.to_str().unwrap()]);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    let list = report["slices"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let rows: u64 = list.iter().map(|s| s["rows"].as_u64().unwrap()).sum();
    assert_eq!(
        rows,
        report["rows"].as_u64().unwrap(),
        "the two slices cover every row"
    );
    for s in list {
        let auc = s["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "roc_auc")
            .unwrap();
        assert!(auc["difference"]["lower"]["value"].is_number(), "{s}");
    }
    // Simpson's paradox between the models (schema 1.2.0): accuracy, error rate and
    // recall cannot reverse on the same rows; precision and F1 are searched over every
    // feature (no `[[by]]` named) and each named slice against the rest.
    let simpson = report["simpson"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = simpson
        .iter()
        .map(|m| {
            (
                m["metric"].as_str().unwrap(),
                m["check"]["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("accuracy", "impossible"),
            ("error_rate", "impossible"),
            ("recall", "impossible"),
            ("precision", "checked"),
            ("f1", "checked")
        ]
    );
    let partitions: Vec<&str> = simpson[4]["check"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["partition"].as_str().unwrap())
        .collect();
    assert!(partitions.contains(&"f0"), "{partitions:?}");
    assert!(partitions.contains(&"slice large"), "{partitions:?}");
    assert!(!partitions.contains(&"target"), "{partitions:?}");
    std::fs::write(
        &slices,
        "[[slice]]\nname = \"bad name\"\nwhere = 'f0 > 1'\n",
    )
    .unwrap();
    let (code, _, err) =
        compare_models(dir.path(), "core", &["--slices", slices.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("invalid slices file"), "{err}");
}
