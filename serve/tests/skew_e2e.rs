//! End to end: `lockstep serve` answers a few hundred real requests and logs them;
//! `lockstep skew` replays the log. Served with the very pipeline and model given to the
//! checker → exit 0. Served with a differently implemented pipeline, or with a retrained
//! model → exit 1, and the report names the feature / output at fault.
//! Needs ONNX Runtime (scripts/setup.sh installs it into .venv).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn lockstep() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    command.current_dir(repo()).env("RUST_LOG", "warn");
    if std::env::var_os("ORT_DYLIB_PATH").is_none()
        && let Some(lib) = lockstep_serve::ort_engine::find_in_venv(&repo())
    {
        command.env("ORT_DYLIB_PATH", lib);
    }
    command
}

fn post(addr: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /v1/predict HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).unwrap().parse().unwrap();
    (status, response)
}

/// Serving traffic: 300 rows of the training data (so distributions match training).
fn traffic() -> Vec<Value> {
    std::fs::read_to_string(repo().join("tests/data/transforms/train.jsonl"))
        .unwrap()
        .lines()
        .take(300)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Serves `pipeline` + `model`, sends one request per row, stops the server with
/// SIGTERM and returns the log folder.
fn serve_and_log(pipeline: &str, model: &str) -> tempfile::TempDir {
    let logs = tempfile::tempdir().unwrap();
    let mut child = lockstep()
        .args([
            "serve",
            "--model",
            model,
            "--pipeline",
            pipeline,
            "--name",
            "m",
        ])
        .args([
            "--addr",
            "127.0.0.1:0",
            "--log-dir",
            logs.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("lockstep serve: listening on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    for row in traffic() {
        let (status, response) = post(&addr, &json!({ "rows": [row] }).to_string());
        assert_eq!(status, 200, "{response}");
    }
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
    logs
}

fn skew(logs: &Path, pipeline: &str, model: &str) -> (Output, Value) {
    let report = logs.join("report.json");
    let out = lockstep()
        .args([
            "skew",
            "--log",
            logs.to_str().unwrap(),
            "--pipeline",
            pipeline,
            "--model",
            model,
        ])
        .args([
            "--train",
            "tests/data/transforms/train.csv",
            "--format",
            "json",
            "-o",
        ])
        .arg(&report)
        .output()
        .unwrap();
    let json = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (out, json)
}

/// Validates a report against the committed JSON Schema with Python's `jsonschema` (an
/// independent validator, installed in .venv by scripts/setup.sh).
fn assert_valid(report: &Value) {
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
        .arg(repo().join("docs/schema/skew-report.schema.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the report does not follow docs/schema/skew-report.schema.json:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn failing(report: &Value, group: &str) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["group"] == group && c["passed"] == false)
        .map(|c| c["subject"].as_str().unwrap().to_owned())
        .collect()
}

const PIPELINE: &str = "tests/data/serving/pipeline.json";
const MODEL: &str = "tests/data/serving/model.onnx";

#[test]
fn the_same_pipeline_and_model_pass() {
    let logs = serve_and_log(PIPELINE, MODEL);
    let (out, report) = skew(logs.path(), PIPELINE, MODEL);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}\n{report:#}");
    assert_eq!(report["rows"], 300);
    assert_eq!(report["passed"], true);
    // Both engines replayed every row; every feature was compared.
    let engines: Vec<&str> = report["prediction_parity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["engine"].as_str().unwrap())
        .collect();
    assert_eq!(engines, ["core", "onnxruntime"]);
    assert_eq!(
        report["transform_parity"]["features"]
            .as_array()
            .unwrap()
            .len(),
        29
    );
    assert!(report["distribution"].as_array().unwrap().len() >= 8);
    assert_valid(&report);
}

#[test]
fn a_differently_implemented_pipeline_is_named_down_to_the_feature() {
    let logs = serve_and_log("tests/data/serving/pipeline_skewed.json", MODEL);
    let (out, report) = skew(logs.path(), PIPELINE, MODEL);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(failing(&report, "fingerprint"), ["pipeline"]);
    // The one re-implemented step: income's min-max range.
    assert_eq!(failing(&report, "transform"), ["income"]);
    // The terminal summary says it plainly, fingerprint first.
    let summary = String::from_utf8_lossy(&out.stderr);
    let fingerprint = summary.find("FAIL fingerprint/pipeline").unwrap();
    let feature = summary.find("FAIL transform/income").unwrap();
    assert!(fingerprint < feature, "{summary}");
}

#[test]
fn a_swapped_model_is_named_down_to_the_output() {
    let logs = serve_and_log(PIPELINE, "tests/data/serving/model_retrained.onnx");
    let (out, report) = skew(logs.path(), PIPELINE, MODEL);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(failing(&report, "fingerprint"), ["model"]);
    assert!(failing(&report, "transform").is_empty());
    assert_valid(&report);
    let outputs = failing(&report, "prediction");
    assert!(
        outputs.contains(&"core/probabilities".to_owned()),
        "{outputs:?}"
    );
    assert!(
        outputs.contains(&"onnxruntime/probabilities".to_owned()),
        "{outputs:?}"
    );
}

#[test]
fn unreadable_logs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"not\": \"a record\"}\n").unwrap();
    for (log, message) in [
        (
            bad.to_str().unwrap(),
            "bad.jsonl:1: the record has no `log_format`",
        ),
        ("no/such/dir", "no such file or folder"),
    ] {
        let out = lockstep()
            .args([
                "skew",
                "--log",
                log,
                "--pipeline",
                PIPELINE,
                "--model",
                MODEL,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The report without the list of files read.
fn findings(report: &Value) -> Value {
    let mut report = report.clone();
    report.as_object_mut().unwrap().remove("files");
    report
}

#[test]
fn parquet_logs_globs_threads_and_batch_sizes_give_the_same_report() {
    let logs = serve_and_log(PIPELINE, MODEL);
    let (out, want) = skew(logs.path(), PIPELINE, MODEL);
    assert_eq!(out.status.code(), Some(0));

    // One worker and tiny batches: the same report, merged in log order.
    let report = logs.path().join("one-thread.json");
    let out = lockstep()
        .args(["skew", "--log"])
        .arg(logs.path().join("*.jsonl"))
        .args(["--pipeline", PIPELINE, "--model", MODEL])
        .args(["--train", "tests/data/transforms/train.csv"])
        .args([
            "--threads",
            "1",
            "--batch-rows",
            "7",
            "--format",
            "json",
            "-o",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(findings(&got), findings(&want));

    // The log converted to Parquet by pyarrow, nested (structs and lists), with each
    // row's request fields filled from its request's first record (log_format 2) by
    // the documented converter.
    let parquet = tempfile::tempdir().unwrap();
    let python = repo().join(".venv/bin/python");
    let mut jsonl: Vec<PathBuf> = std::fs::read_dir(logs.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    jsonl.sort();
    let status = Command::new(&python)
        .arg(repo().join("scripts/logs_to_parquet.py"))
        .arg(parquet.path())
        .args(&jsonl)
        .status()
        .unwrap();
    assert!(status.success(), "{} failed", python.display());
    let (out, got) = skew(parquet.path(), PIPELINE, MODEL);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        got["files"][0]
            .as_str()
            .unwrap()
            .ends_with("part-000.parquet")
    );
    assert_eq!(findings(&got), findings(&want));
}

/// One fingerprint per artefact: the evaluation report of the served pipeline and model
/// carries the fingerprints that the server wrote into its prediction log, so a report
/// can be matched to the served logs it belongs to.
#[test]
fn an_eval_report_carries_the_fingerprints_of_the_served_log() {
    let logs = serve_and_log(PIPELINE, MODEL);
    let log_file = std::fs::read_dir(logs.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .expect("a .jsonl log file");
    let first_line = std::fs::read_to_string(&log_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    // The first record of a request holds its request-level fields (log_format 2).
    let record = serde_json::from_str::<Value>(&first_line).unwrap()["request"].clone();

    // Evaluation data: the raw training rows with a label column (its values do not
    // matter here, only the fingerprints).
    let train = std::fs::read_to_string(repo().join("tests/data/transforms/train.csv")).unwrap();
    let mut csv = String::new();
    for (i, line) in train.lines().take(201).enumerate() {
        let label = if i == 0 {
            "y".to_owned()
        } else {
            (i % 2).to_string()
        };
        csv.push_str(&format!("{line},{label}\n"));
    }
    let data = logs.path().join("eval.csv");
    std::fs::write(&data, csv).unwrap();
    let out = lockstep()
        .args(["eval", "--data", data.to_str().unwrap(), "--label", "y"])
        .args(["--model", MODEL, "--pipeline", PIPELINE, "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fingerprints = &report["fingerprints"];
    assert_eq!(
        fingerprints["pipeline_sha256"], record["pipeline_fingerprint"],
        "the report and the log name the same pipeline"
    );
    assert_eq!(
        fingerprints["model_sha256"], record["model_fingerprint"],
        "the report and the log name the same model"
    );
}

/// `lockstep skew` on one log file with `--batch-rows`, the report as JSON.
fn skew_file(log: &Path, batch_rows: &str) -> (Output, Value) {
    let report = log.with_extension("report.json");
    let out = lockstep()
        .args(["skew", "--log"])
        .arg(log)
        .args(["--pipeline", PIPELINE, "--model", MODEL, "--no-ort"])
        .args(["--batch-rows", batch_rows, "--format", "json", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    let json = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    (out, json)
}

/// Issue 19, finding 5: after kill -9 or a full disk the last line of a log is torn.
/// It is reported (file and line, on stderr and in the report) and the rest is checked:
/// the verdict is the intact rows' (exit 1 here: the fixture's unseen cities), not 2.
#[test]
fn a_torn_last_line_is_reported_and_the_rest_is_checked() {
    let fixture = std::fs::read(repo().join("tests/data/skew/log/predictions.jsonl")).unwrap();
    let lines = fixture.split_inclusive(|&b| b == b'\n').count();
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole.jsonl");
    let intact: Vec<u8> = fixture
        .split_inclusive(|&b| b == b'\n')
        .take(lines - 1)
        .flatten()
        .copied()
        .collect();
    std::fs::write(&whole, &intact).unwrap();
    let (out, want) = skew_file(&whole, "8192");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The last record cut in the middle of a string, and in the middle of a UTF-8
    // character; every batch size, including one whose last batch is the torn line.
    let last = &fixture[intact.len()..];
    for cut in [last.len() / 2, 1, last.len() - 2] {
        let torn = dir.path().join(format!("torn-{cut}.jsonl"));
        std::fs::write(&torn, [&intact[..], &last[..cut]].concat()).unwrap();
        let path = torn.display().to_string();
        for batch_rows in ["8192", "7", &(lines - 1).to_string()] {
            let (out, report) = skew_file(&torn, batch_rows);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{stderr}");
            assert!(
                stderr.contains(&format!(
                    "warning: {path}:{lines}: the last line is torn ({cut} bytes"
                )),
                "{stderr}"
            );
            assert_eq!(
                report["torn_lines"],
                json!([{ "file": path, "line": lines, "bytes": cut }])
            );
            assert_valid(&report);
            let mut report = report.clone();
            report.as_object_mut().unwrap().remove("torn_lines");
            let mut want = want.clone();
            want.as_object_mut().unwrap().remove("torn_lines");
            assert_eq!(
                findings(&report),
                findings(&want),
                "batch rows {batch_rows}"
            );
        }
    }
    // A multi-byte character cut in half is torn too.
    let torn = dir.path().join("torn-utf8.jsonl");
    std::fs::write(
        &torn,
        [
            &intact[..],
            "{\"log_format\":1,\"request_id\":\"東"
                .as_bytes()
                .split_last()
                .unwrap()
                .1,
        ]
        .concat(),
    )
    .unwrap();
    let (out, report) = skew_file(&torn, "8192");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report["torn_lines"][0]["line"], lines);
}

/// A torn line anywhere but at the end of a file is not a crash's trace: still exit 2,
/// naming the file and line.
#[test]
fn a_torn_line_in_the_middle_of_a_file_stays_an_error() {
    let fixture = std::fs::read(repo().join("tests/data/skew/log/predictions.jsonl")).unwrap();
    let records: Vec<&[u8]> = fixture.split_inclusive(|&b| b == b'\n').collect();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("middle.jsonl");
    let mut bytes = Vec::new();
    for (i, record) in records.iter().enumerate() {
        if i == 10 {
            bytes.extend_from_slice(&record[..record.len() / 2]);
            bytes.push(b'\n');
        } else {
            bytes.extend_from_slice(record);
        }
    }
    std::fs::write(&log, bytes).unwrap();
    for batch_rows in ["8192", "11", "3"] {
        let (out, _) = skew_file(&log, batch_rows);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "{}:11: not a prediction log record",
                log.display()
            )),
            "{stderr}"
        );
    }
}

/// Issue 19, finding 9: one huge log line took 6.2 GB. `--max-line-bytes` bounds a line
/// while it is read: a longer one is exit 2 naming the file and line, and the limit is
/// exactly the line's length (a line of that length is read).
#[test]
fn a_log_line_over_the_limit_is_an_error_naming_file_and_line() {
    let fixture = std::fs::read(repo().join("tests/data/skew/log/predictions.jsonl")).unwrap();
    let lines: Vec<&[u8]> = fixture.split_inclusive(|&b| b == b'\n').collect();
    let longest = lines.iter().map(|l| l.len() - 1).max().unwrap();
    let at = lines.iter().position(|l| l.len() - 1 == longest).unwrap() + 1;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.jsonl");
    std::fs::write(&log, &fixture).unwrap();
    let run = |limit: usize| {
        lockstep()
            .args(["skew", "--log"])
            .arg(&log)
            .args(["--pipeline", PIPELINE, "--model", MODEL, "--no-ort"])
            .args(["--max-line-bytes", &limit.to_string()])
            .output()
            .unwrap()
    };
    let out = run(longest - 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:{at}: the line is longer than {} bytes (--max-line-bytes)",
            log.display(),
            longest - 1
        )),
        "{stderr}"
    );
    let out = run(longest);
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A format-2 log converted to Parquet as is (the `request` object only in each
/// request's first row) is refused with a message that says how to convert it.
#[test]
fn a_format_2_log_converted_without_filling_request_fields_is_named() {
    let logs = serve_and_log(PIPELINE, MODEL);
    let parquet = tempfile::tempdir().unwrap();
    let python = repo().join(".venv/bin/python");
    let status = Command::new(&python)
        .args([
            "-c",
            "import sys, glob, pyarrow.json as pj, pyarrow.parquet as pq\n\
             f = sorted(glob.glob(sys.argv[1] + '/*.jsonl'))[0]\n\
             pq.write_table(pj.read_json(f), sys.argv[2] + '/raw.parquet')",
        ])
        .arg(logs.path())
        .arg(parquet.path())
        .status()
        .unwrap();
    assert!(status.success(), "{} failed", python.display());
    let (out, _) = skew(parquet.path(), PIPELINE, MODEL);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("column `request` holds log_format 2's request fields")
            && stderr.contains("scripts/logs_to_parquet.py"),
        "{stderr}"
    );
}

/// Issue 19 (fuzzing): `lockstep skew`'s own streaming Parquet reader opens files through
/// core's `open_parquet` and is guarded as core's table and log readers are. A file on
/// which the `parquet` crate's page decoder panics (`fuzz/` target `table_parquet` found
/// it) is a named, unreadable log: exit 2, the file and the column named, no crash.
#[test]
fn a_parquet_log_the_decoder_panics_on_is_a_named_error() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("predictions.parquet");
    std::fs::copy(
        repo().join("tests/data/fuzz/table_parquet-decoder-panic.parquet"),
        &log,
    )
    .unwrap();
    let (out, _) = skew_file(&log, "64");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "predictions.parquet`: not a readable Parquet file: the file is malformed: a page \
             header of column `log_format` in row group 1 (at byte 10933) runs past the end of \
             its column chunk"
        ),
        "{stderr}"
    );
}
