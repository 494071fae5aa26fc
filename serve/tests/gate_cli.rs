//! `lockstep gate`, `lockstep gate --verify` and `lockstep serve --require-blessing`
//! with the real binary: the serving fixture model and pipeline gated on
//! tests/data/gate/serving_eval.csv (scripts/fixtures/gen_gate.py), then a model or
//! pipeline changed by one byte must be refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    command
        .args(args)
        .current_dir(repo())
        .env("RUST_LOG", "warn");
    if std::env::var_os("ORT_DYLIB_PATH").is_none()
        && let Some(lib) = lockstep_serve::ort_engine::find_in_venv(&repo())
    {
        command.env("ORT_DYLIB_PATH", lib);
    }
    command
}

fn lockstep(args: &[&str]) -> Output {
    command(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const MODEL: &str = "tests/data/serving/model.onnx";
const PIPELINE: &str = "tests/data/serving/pipeline.json";

const GATE: &str = r#"
name = "serving fixture"
code_version = "from-the-file"
[[check]]
kind = "beats_baselines"
metric = "accuracy"
[[check]]
kind = "threshold"
metric = "recall"
bound = "lower"
op = ">="
value = 0.5
[[check]]
kind = "threshold"
metric = "model_size_mb"
op = "<="
value = 10
[[check]]
kind = "reproducibility"
"#;

/// Runs the gate into `dir/out`; returns the output.
fn gate(dir: &Path, toml: &str, extra: &[&str]) -> Output {
    let config = dir.join("gate.toml");
    std::fs::write(&config, toml).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "gate",
        "--config",
        config.to_str().unwrap(),
        "--data",
        "tests/data/gate/serving_eval.csv",
        "--label",
        "label",
        "--model",
        MODEL,
        "--pipeline",
        PIPELINE,
        "--bootstrap",
        "200",
        "--out-dir",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    lockstep(&args)
}

/// A copy of `path` in `dir` with one byte changed: the last byte flipped, or (for a
/// JSON pipeline, whose fingerprint is checked when read) one trailing space added.
fn changed_by_one_byte(dir: &Path, path: &str, name: &str) -> PathBuf {
    let mut bytes = std::fs::read(repo().join(path)).unwrap();
    if path.ends_with(".json") {
        bytes.push(b' ');
    } else {
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
    }
    let out = dir.join(name);
    std::fs::write(&out, bytes).unwrap();
    out
}

/// Validates a report against a committed JSON Schema (`docs/schema/NAME`) with
/// Python's `jsonschema` (an independent validator, in .venv from scripts/setup.sh).
fn assert_valid(report: &Value, schema: &str) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), report.to_string()).unwrap();
    let out = Command::new(repo().join(".venv/bin/python"))
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[2]))\n\
             jsonschema.validators.validator_for(schema)(schema).validate(json.load(open(sys.argv[1])))",
        ])
        .arg(file.path())
        .arg(repo().join("docs/schema").join(schema))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the report does not follow docs/schema/{schema}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn gate_writes_four_formats_and_a_blessing_that_verify_checks() {
    let dir = tempfile::tempdir().unwrap();
    let out = gate(dir.path(), GATE, &["--code-version", "abc123"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/gate.json")).unwrap()).unwrap();
    assert_eq!(report["verdict"], "pass");
    assert_valid(&report, "gate-report.schema.json");
    assert_eq!(report["provenance"]["code_version"], "abc123");
    assert!(
        report["checks"][0]["evidence"]
            .as_str()
            .unwrap()
            .contains("blackbox rows")
    );
    for file in ["gate.md", "gate.html", "gate.junit.xml", "blessing.json"] {
        assert!(dir.path().join("out").join(file).is_file(), "{file}");
    }
    let blessing = dir.path().join("out/blessing.json");
    let b = blessing.to_str().unwrap();
    let ok = lockstep(&[
        "gate",
        "--verify",
        b,
        "--model",
        MODEL,
        "--pipeline",
        PIPELINE,
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));

    let model = changed_by_one_byte(dir.path(), MODEL, "model.onnx");
    let refused = lockstep(&[
        "gate",
        "--verify",
        b,
        "--model",
        model.to_str().unwrap(),
        "--pipeline",
        PIPELINE,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("the model is not the one that passed the gate"),
        "{}",
        stderr(&refused)
    );

    let pipeline = changed_by_one_byte(dir.path(), PIPELINE, "pipeline.json");
    let refused = lockstep(&[
        "gate",
        "--verify",
        b,
        "--model",
        MODEL,
        "--pipeline",
        pipeline.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("the pipeline is not the one"),
        "{}",
        stderr(&refused)
    );

    let missing = lockstep(&["gate", "--verify", b, "--model", MODEL]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("none was given"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_failing_or_unmeasurable_required_check_exits_1_and_bad_input_2() {
    let dir = tempfile::tempdir().unwrap();
    // A skew check with no skew report: a missing input is a FAIL.
    let toml = format!("{GATE}\n[[check]]\nkind = \"skew\"\n");
    let out = gate(dir.path(), &toml, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains(
            "| FAIL | skew / parity report clean | yes | missing input: no skew report given |"
        ),
        "{md}"
    );
    // A failing blessing is written but refused by --verify.
    let b = dir.path().join("out/blessing.json");
    let refused = lockstep(&[
        "gate",
        "--verify",
        b.to_str().unwrap(),
        "--model",
        MODEL,
        "--pipeline",
        PIPELINE,
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("verdict was FAIL"),
        "{}",
        stderr(&refused)
    );

    let bad = gate(dir.path(), "[[check]]\nkind = \"teleport\"\n", &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("check 1: unknown variant `teleport`"),
        "{}",
        stderr(&bad)
    );
}

/// The blessing for the fixture model and pipeline, in `dir/out/blessing.json`.
fn blessing(dir: &Path) -> PathBuf {
    let out = gate(dir, GATE, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    dir.join("out/blessing.json")
}

#[test]
fn serve_refuses_a_model_or_pipeline_changed_by_one_byte() {
    let dir = tempfile::tempdir().unwrap();
    let b = blessing(dir.path());
    let model = changed_by_one_byte(dir.path(), MODEL, "model.onnx");
    let pipeline = changed_by_one_byte(dir.path(), PIPELINE, "pipeline.json");
    let logs = dir.path().join("logs");
    for (m, p, expected) in [
        (
            model.to_str().unwrap(),
            PIPELINE,
            "the model is not the one that passed the gate",
        ),
        (
            MODEL,
            pipeline.to_str().unwrap(),
            "the pipeline is not the one that passed the gate",
        ),
    ] {
        let out = lockstep(&[
            "serve",
            "--model",
            m,
            "--pipeline",
            p,
            "--addr",
            "127.0.0.1:0",
            "--log-dir",
            logs.to_str().unwrap(),
            "--require-blessing",
            b.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("refusing to serve") && err.contains(expected),
            "{err}"
        );
    }
}

#[test]
fn serve_starts_with_the_blessed_model_and_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let b = blessing(dir.path());
    let logs = dir.path().join("logs");
    let mut child = command(&[
        "serve",
        "--model",
        MODEL,
        "--pipeline",
        PIPELINE,
        "--addr",
        "127.0.0.1:0",
        "--log-dir",
        logs.to_str().unwrap(),
        "--require-blessing",
        b.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _ = child.kill();
    let status = child.wait().unwrap();
    assert!(
        line.starts_with("lockstep serve: listening on http://"),
        "{line:?} {status:?}"
    );
}

#[test]
fn diagnose_measures_the_dev_file_through_the_model_and_lists_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let tags = dir.path().join("tags.csv");
    let out_path = dir.path().join("diagnosis.json");
    // First the errors, to tag two of them.
    let run = |extra: &[&str]| {
        let mut args = vec![
            "diagnose",
            "--model",
            MODEL,
            "--pipeline",
            PIPELINE,
            "--label",
            "label",
            "--dev",
            "tests/data/gate/serving_eval.csv",
            "--given",
            "train=0.02/1000",
            "--given",
            "train_dev=0.03/500",
            "--human",
            "0.01",
            "--errors",
            "100",
            "--bootstrap",
            "200",
            "--format",
            "json",
            "-o",
            out_path.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let out = lockstep(&args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let v: Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
        v
    };
    let v = run(&[]);
    assert_valid(&v, "diagnose-report.schema.json");
    let sets = v["diagnosis"]["sets"].as_array().unwrap();
    assert_eq!(sets[2]["source"], "computed");
    assert_eq!(sets[2]["rows"], 150);
    let errors = v["errors"]["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    let confidence: Vec<f64> = errors
        .iter()
        .map(|e| e["confidence"].as_f64().unwrap())
        .collect();
    assert!(
        confidence.windows(2).all(|w| w[0] >= w[1]),
        "{confidence:?}"
    );
    let first = errors[0]["row_id"].as_str().unwrap();
    std::fs::write(&tags, format!("row_id,tag\n{first},boundary\n")).unwrap();
    let v = run(&["--tags", tags.to_str().unwrap()]);
    assert_eq!(v["tags"]["shares"][0]["tag"], "boundary");
    assert_eq!(v["tags"]["shares"][0]["count"], 1);
    assert_eq!(v["diagnosis"]["optimal"]["source"]["kind"], "human_level");

    // The HTML export draws the gaps with core's chart module.
    let html = lockstep(&[
        "diagnose",
        "--given",
        "train=0.02/1000",
        "--given",
        "train_dev=0.05/500",
        "--human",
        "0.01",
        "--format",
        "html",
    ]);
    assert_eq!(html.status.code(), Some(0), "{}", stderr(&html));
    let page = String::from_utf8(html.stdout).unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<svg"),
        "{page}"
    );

    let bad = lockstep(&["diagnose", "--given", "validation=0.1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("the set must be train, train_dev, dev or test"),
        "{}",
        stderr(&bad)
    );
}

/// A gate check on a named section of a real `lockstep eval` report: the behavioural
/// tests (`--behaviour`). Absent: FAIL; a test over its maximum fail rate: FAIL naming
/// it; every test within its maximum: PASS.
#[test]
fn gate_reads_a_named_section_of_an_eval_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("eval.json");
    let evaluate = |behaviour: Option<&str>| {
        let mut args = vec![
            "eval",
            "--data",
            "tests/data/gate/serving_eval.csv",
            "--label",
            "label",
            "--model",
            MODEL,
            "--pipeline",
            PIPELINE,
            "--bootstrap",
            "100",
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
        ];
        let tests = dir.path().join("tests.toml");
        if let Some(toml) = behaviour {
            std::fs::write(&tests, toml).unwrap();
            args.extend(["--behaviour", tests.to_str().unwrap()]);
        }
        lockstep(&args)
    };
    let toml = "[[check]]\nkind = \"report_section\"\nsection = \"behaviour\"\n[[check]]\nkind = \"reproducibility\"\n";
    let config = dir.path().join("gate.toml");
    std::fs::write(&config, toml).unwrap();
    let run = || {
        lockstep(&[
            "gate",
            "--config",
            config.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--model",
            MODEL,
            "--pipeline",
            PIPELINE,
            "--out-dir",
            dir.path().join("out").to_str().unwrap(),
        ])
    };
    let out = evaluate(None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let absent = run();
    assert_eq!(absent.status.code(), Some(1), "{}", stderr(&absent));
    assert!(String::from_utf8_lossy(&absent.stdout).contains("has no `behaviour` section"));

    // The model reads `city`: re-scoring every row with each other city moves scores.
    let out = evaluate(Some(
        "[[invariance]]\ncolumn = \"city\"\ntolerance = 0.0\nmax_fail_rate = 0.0\n",
    ));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let failing = run();
    assert_eq!(failing.status.code(), Some(1));
    let text = String::from_utf8_lossy(&failing.stdout);
    assert!(text.contains("section `behaviour` fails"), "{text}");

    let out = evaluate(Some(
        "[[invariance]]\ncolumn = \"city\"\ntolerance = 1.0\nmax_fail_rate = 1.0\n",
    ));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let passing = run();
    assert_eq!(
        passing.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&passing.stdout)
    );
}
