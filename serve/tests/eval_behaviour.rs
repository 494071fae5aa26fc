//! `lockstep eval --behaviour`: the behavioural tests in the report, in every export,
//! and in the exit status. The models and expected counts come from
//! scripts/fixtures/gen_behaviour.py (tests/data/behaviour/).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn eval(model: &str, tests: &str, extra: &[&str]) -> Output {
    let dir = "tests/data/behaviour";
    let mut args = vec![
        "eval".to_owned(),
        "--data".into(),
        format!("{dir}/data.csv"),
        "--label".into(),
        "label".into(),
        "--model".into(),
        format!("{dir}/{model}.onnx"),
        "--behaviour".into(),
        if Path::new(tests).is_absolute() {
            tests.to_owned()
        } else {
            format!("{dir}/{tests}")
        },
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(&args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn expected() -> Value {
    serde_json::from_slice(
        &std::fs::read(repo().join("tests/data/behaviour/expected.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn a_failing_behavioural_test_fails_eval_and_shows_in_every_export() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let out = eval(
        "protected_logreg",
        "invariance_sex.toml",
        &["--format", "json", "-o", json.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("behavioural tests: FAIL"));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["schema_version"], "1.3.0");
    let test = &report["behaviour"]["tests"][0];
    assert_eq!(test["status"], "fail");
    let want = &expected()["invariance_sex"]["protected_logreg"];
    assert_eq!(test["failed_rows"], want["failed"]);
    assert_eq!(report["behaviour"]["engine"], "core");

    let md = eval(
        "protected_logreg",
        "invariance_sex.toml",
        &["--format", "md"],
    );
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("## Behavioural tests"), "{md}");
    assert!(md.contains("| invariance: sex | invariance |"), "{md}");
    let html = String::from_utf8(
        eval(
            "protected_logreg",
            "invariance_sex.toml",
            &["--format", "html"],
        )
        .stdout,
    )
    .unwrap();
    assert!(html.contains("<h2>Behavioural tests</h2>"));
    let junit = String::from_utf8(
        eval(
            "protected_logreg",
            "invariance_sex.toml",
            &["--format", "junit"],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        junit
            .contains(r#"<testsuite name="behavioural tests" tests="2" failures="2" skipped="0">"#),
        "{junit}"
    );
    assert!(
        junit.contains(r#"<testsuites name="lockstep eval" tests="3" failures="2" skipped="1">"#)
    );
}

#[test]
fn a_passing_model_exits_0_and_bad_tests_exit_2() {
    let out = eval("fair_logreg", "invariance_sex.toml", &["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["behaviour"]["passed"], true);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[directional]]\ncolumn = \"x1\"\ndelta = nan\nexpect = \"increase\"\n",
    )
    .unwrap();
    let out = eval("fair_logreg", bad.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`directional[0].delta` = NaN: settings take finite numbers only"),
        "{err}"
    );

    std::fs::write(&bad, "[[invariance]]\ncolumn = \"gender\"\n").unwrap();
    let out = eval("fair_logreg", bad.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown column `gender`"));

    // --behaviour needs --model.
    let out = Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args([
            "eval",
            "--data",
            "tests/data/behaviour/data.csv",
            "--label",
            "label",
            "--pred-col",
            "x1",
            "--behaviour",
            "tests/data/behaviour/noise.toml",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A bad test's error is said once: the tests' error used to come back once per
/// level of the error chain (`{0}` with `#[from]`, printed with `{:#}`).
#[test]
fn a_bad_test_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[invariance]]\ncolumn = \"gender\"\nmax_fail_rate = 0.1\n",
    )
    .unwrap();
    let out = eval("fair_logreg", bad.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {err}"));
    assert_eq!(
        line,
        format!(
            "error: behavioural tests `{}`: invariance: gender: unknown column `gender` \
             (columns: x1, x2, sex, zeta, label)",
            bad.display()
        )
    );
    assert_eq!(err.matches("unknown column").count(), 1, "{err}");
}
