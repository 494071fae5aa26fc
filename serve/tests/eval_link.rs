//! `lockstep eval --link BASE_URL`: the printed link decodes (with core's decoder, as
//! the page does) to the evaluation's settings, the data file's name and fingerprint
//! and the report's headline numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lockstep_core::fingerprint::sha256_hex;
use lockstep_core::share::{self, FileKind, Prediction, TextFormat};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lockstep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

const BASE: &str = "https://lockstep.example/app/";

#[test]
fn eval_link_carries_settings_fingerprints_and_headline_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let demo = repo().join("www/demo/breast_cancer_eval.csv");
    let contract = dir.path().join("contract.toml");
    let contract_text = "optimizing = \"roc_auc\"\nsatisficing = [\"f1 >= 0.5\"]\n";
    std::fs::write(&contract, contract_text).unwrap();
    let report_path = dir.path().join("report.json");
    let out = lockstep(&[
        "eval",
        "--data",
        demo.to_str().unwrap(),
        "--label",
        "malignant",
        "--score-col",
        "score",
        "--threshold",
        "0.4",
        "--bootstrap",
        "30",
        "--seed",
        "3",
        "--contract",
        contract.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        report_path.to_str().unwrap(),
        "--link",
        BASE,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // With -o, the link is standard output's only line; its size is on stderr.
    let stdout = String::from_utf8(out.stdout).unwrap();
    let link = stdout.trim_end();
    assert!(!link.contains('\n'), "{stdout}");
    assert!(link.starts_with(&format!("{BASE}#s1.")), "{link}");
    assert!(stderr.contains("characters after `#`"), "{stderr}");

    let state = share::decode(link).unwrap();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    assert_eq!(state.settings.label.as_deref(), Some("malignant"));
    assert_eq!(
        state.settings.prediction,
        Some(Prediction::Score("score".into()))
    );
    assert_eq!(state.settings.bootstrap_replicates, Some(30));
    assert_eq!(state.settings.seed, Some(3));
    assert_eq!(state.thresholds["decision"], 0.4);
    let contract = state.contract.as_ref().unwrap();
    assert_eq!(
        (contract.format, contract.text.as_str()),
        (TextFormat::Toml, contract_text)
    );
    // The data file: its name (no directories) and the fingerprint of its bytes,
    // the one the report carries.
    assert_eq!(state.files.len(), 1);
    let file = &state.files[0];
    assert_eq!(
        (file.kind, file.name.as_str()),
        (FileKind::Data, "breast_cancer_eval.csv")
    );
    assert_eq!(file.sha256, sha256_hex(&std::fs::read(&demo).unwrap()));
    assert_eq!(report["fingerprints"]["data_sha256"], file.sha256.as_str());
    // Headline numbers: every metric of the report, to 4 significant digits.
    let metrics = report["metrics"].as_array().unwrap();
    assert_eq!(state.summary.metrics.len(), metrics.len());
    for (ours, theirs) in state.summary.metrics.iter().zip(metrics) {
        assert_eq!(ours.name, theirs["name"].as_str().unwrap());
        let estimate = theirs["estimate"]["value"].as_f64();
        assert_eq!(
            ours.estimate,
            estimate.map(share::summary_number),
            "{}",
            ours.name
        );
    }
    assert_eq!(state.summary.rows, report["rows"].as_u64());
    assert_eq!(state.summary.contract_passed, Some(true));
    assert_eq!(
        state
            .cells
            .iter()
            .map(|c| c.kind.as_str())
            .collect::<Vec<_>>(),
        ["data", "evaluate"]
    );
    assert_eq!(share::LinkBudget::of(link), share::LinkBudget::Typical);
}

#[test]
fn eval_link_goes_to_stderr_when_the_report_is_on_stdout() {
    let demo = repo().join("www/demo/breast_cancer_eval.csv");
    let out = lockstep(&[
        "eval",
        "--data",
        demo.to_str().unwrap(),
        "--label",
        "malignant",
        "--pred-col",
        "predicted",
        "--bootstrap",
        "10",
        "--link",
        BASE,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let link = stderr
        .lines()
        .find(|l| l.starts_with(BASE))
        .unwrap_or_else(|| panic!("{stderr}"));
    let state = share::decode(link).unwrap();
    assert_eq!(
        state.settings.prediction,
        Some(Prediction::Column("predicted".into()))
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("#s1."));
}
