//! `lockstep eval --slices`: the report gains a `slices` section, the contract's
//! slice floors decide the exit status, and a bad slices file is named.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lockstep(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

#[test]
fn eval_with_slices_reports_them_and_checks_slice_floors() {
    let dir = std::env::temp_dir().join(format!("lockstep-cli-slices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let contract = dir.join("contract.toml");
    std::fs::write(
        &contract,
        "optimizing = \"f1\"\nsatisficing = [\"slice:region=EU recall >= 0.5\", \
         \"slice:eu-young accuracy >= 1.01\"]\n",
    )
    .unwrap();
    let slices = dir.join("slices.toml");
    let spec = std::fs::read_to_string(repo().join("tests/data/slices/metrics.toml")).unwrap();
    std::fs::write(&slices, format!("{spec}\n[finder]\nmax_level = 2\n")).unwrap();
    let out = lockstep(&[
        "eval",
        "--data",
        "tests/data/slices/metrics.csv",
        "--label",
        "label",
        "--score-col",
        "score",
        "--bootstrap",
        "20",
        "--slices",
        slices.to_str().unwrap(),
        "--contract",
        contract.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The second floor cannot hold: exit 1, the report still written.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], "1.3.0");
    let names: Vec<&str> = report["slices"]["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"region=EU") && names.contains(&"eu-young"),
        "{names:?}"
    );
    assert_eq!(report["slices"]["finder"]["loss"], "log_loss");
    assert_eq!(
        report["slices"]["finder"]["columns"],
        serde_json::json!(["region", "age"])
    );
    let lines = report["contract"]["lines"].as_array().unwrap();
    assert_eq!(lines[1]["status"], "fail");

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[slice]]\nname = \"x\"\nwhere = \"nope > 1\"\n").unwrap();
    let out = lockstep(&[
        "eval",
        "--data",
        "tests/data/slices/metrics.csv",
        "--label",
        "label",
        "--score-col",
        "score",
        "--slices",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("slices: slice `x`: position 1: no column named `nope`"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
