//! The `lockstep` binary's commands, run as a user would: real files in, real files out.
//! Expected numbers come from the fixtures (scikit-learn for transforms, ONNX Runtime for
//! models), never from this file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lockstep_core::table::{ColumnData, CsvOptions, Table};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn data(relative: &str) -> PathBuf {
    repo().join("tests/data").join(relative)
}

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

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn float_column(table: &Table, name: &str) -> Vec<f64> {
    match table.column(name).unwrap().data() {
        ColumnData::Float64(v) => v.iter().map(|x| x.unwrap()).collect(),
        ColumnData::Int64(v) => v.iter().map(|x| x.unwrap() as f64).collect(),
        other => panic!("{name}: not numeric: {other:?}"),
    }
}

#[test]
fn fit_then_transform_reproduces_scikit_learn() {
    let dir = tempfile::tempdir().unwrap();
    let case = read_json(&data("transforms/cases/combined.json"));
    let spec = dir.path().join("spec.json");
    std::fs::write(&spec, serde_json::to_string(&case["spec"]).unwrap()).unwrap();
    let pipeline = dir.path().join("pipeline.json");
    let out = lockstep(&[
        "fit",
        "--spec",
        spec.to_str().unwrap(),
        "--train",
        data("transforms/train.csv").to_str().unwrap(),
        "-o",
        pipeline.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("fingerprint"), "{}", stderr(&out));

    for (input, output) in [
        ("test.csv", "features.csv"),
        ("test.jsonl", "features.parquet"),
    ] {
        let features = dir.path().join(output);
        let out = lockstep(&[
            "transform",
            "--pipeline",
            pipeline.to_str().unwrap(),
            "--input",
            data(&format!("transforms/{input}")).to_str().unwrap(),
            "-o",
            features.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let bytes = std::fs::read(&features).unwrap();
        let table = if output.ends_with(".csv") {
            Table::from_csv(&bytes, &CsvOptions::default()).unwrap()
        } else {
            Table::from_parquet(&bytes).unwrap()
        };
        let names: Vec<&str> = case["feature_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert_eq!(table.column_names().collect::<Vec<_>>(), names, "{output}");
        let expected = case["test"].as_array().unwrap();
        assert_eq!(table.num_rows(), expected.len());
        for (j, name) in names.iter().enumerate() {
            let got = float_column(&table, name);
            for (row, want_row) in expected.iter().enumerate() {
                let want = want_row[j].as_f64().unwrap();
                let tol = 1e-6 * want.abs().max(1.0);
                assert!(
                    (got[row] - want).abs() <= tol,
                    "{output}: {name}[{row}] = {}, scikit-learn {want}",
                    got[row]
                );
            }
        }
    }
}

/// Writes a fixture's single input tensor as a CSV with columns f0…f{n-1}.
fn fixture_csv(fixture: &Value, path: &Path) -> usize {
    let input = &fixture["inputs"][0];
    let shape: Vec<usize> = input["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let (rows, cols) = (shape[0], shape[1]);
    let data = input["data"].as_array().unwrap();
    let mut csv: Vec<String> = vec![
        (0..cols)
            .map(|j| format!("f{j}"))
            .collect::<Vec<_>>()
            .join(","),
    ];
    for r in 0..rows {
        csv.push(
            (0..cols)
                // null marks a missing value (NaN): an empty field, read back as NaN.
                .map(|c| {
                    data[r * cols + c]
                        .as_f64()
                        .map_or_else(String::new, |v| v.to_string())
                })
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    std::fs::write(path, csv.join("\n") + "\n").unwrap();
    rows
}

#[test]
fn predict_writes_onnx_runtime_s_outputs_with_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = read_json(&data("onnx/gb_binary_breast_cancer_100.json"));
    let input = dir.path().join("rows.csv");
    let rows = fixture_csv(&fixture, &input);
    let model = data("onnx/gb_binary_breast_cancer_100.onnx");
    let labels: Vec<f64> = fixture["outputs"][0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let probabilities: Vec<f64> = fixture["outputs"][1]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for engine in ["cpu", "ort"] {
        let output = dir.path().join(format!("preds-{engine}.csv"));
        let out = lockstep(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--engine",
            engine,
            "-o",
            output.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{engine}: {}", stderr(&out));
        let table =
            Table::from_csv(&std::fs::read(&output).unwrap(), &CsvOptions::default()).unwrap();
        assert_eq!(table.num_rows(), rows);
        assert_eq!(float_column(&table, "label"), labels, "{engine}");
        for class in 0..2 {
            let got = float_column(&table, &format!("probabilities_{class}"));
            for (row, value) in got.iter().enumerate() {
                let want = probabilities[row * 2 + class];
                assert!(
                    (value - want).abs() <= 1e-6,
                    "{engine}: row {row}: {value} vs ORT {want}"
                );
            }
        }
    }
}

#[test]
fn predict_gives_the_same_file_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = read_json(&data("onnx/mlp_classifier_iris.json"));
    let input = dir.path().join("rows.csv");
    fixture_csv(&fixture, &input);
    let model = data("onnx/mlp_classifier_iris.onnx");
    let run = |threads: &str| {
        let output = dir.path().join(format!("preds-{threads}.csv"));
        let out = lockstep(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--threads",
            threads,
            "-o",
            output.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "--threads {threads}: {}",
            stderr(&out)
        );
        std::fs::read(&output).unwrap()
    };
    assert_eq!(run("1"), run("3"));
}

#[test]
fn parity_passes_for_the_core_engine_against_onnx_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = read_json(&data("onnx/xgb_multiclass_iris.json"));
    let input = dir.path().join("rows.csv");
    fixture_csv(&fixture, &input);
    let out = lockstep(&[
        "parity",
        "--model",
        data("onnx/xgb_multiclass_iris.onnx").to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--engines",
        "cpu,ort",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", stderr(&out));
    assert!(stdout.contains("parity: PASS"), "{stdout}");
    assert!(stdout.contains("label: labels agree on"), "{stdout}");
}

/// The GPU engine (lavapipe in CI) in parity with the CPU engine and ONNX Runtime, and
/// `predict --engine gpu` writing the CPU engine's bytes for a forest (exact tier); the
/// backend that ran and why are on stderr.
#[test]
fn the_gpu_engine_joins_parity_and_predict() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = read_json(&data("onnx/xgb_multiclass_iris.json"));
    let input = dir.path().join("rows.csv");
    fixture_csv(&fixture, &input);
    let model = data("onnx/xgb_multiclass_iris.onnx");
    let out = lockstep(&[
        "parity",
        "--model",
        model.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--engines",
        "core,gpu,onnxruntime",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", stderr(&out));
    for pair in ["core vs gpu", "core vs onnxruntime", "gpu vs onnxruntime"] {
        assert!(stdout.contains(&format!("parity: {pair} on ")), "{stdout}");
    }
    assert!(stdout.contains("parity: PASS"), "{stdout}");
    assert!(
        stderr(&out).contains("engine: gpu (the GPU engine was asked for; 1 of 1 ops on the GPU"),
        "{}",
        stderr(&out)
    );
    let predict = |engine: &str| {
        let output = dir.path().join(format!("preds-{engine}.csv"));
        let out = lockstep(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--engine",
            engine,
            "-o",
            output.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{engine}: {}", stderr(&out));
        (std::fs::read(&output).unwrap(), stderr(&out))
    };
    let (core, _) = predict("core");
    let (gpu, log) = predict("gpu");
    assert_eq!(core, gpu);
    assert!(log.contains("(engine: gpu)"), "{log}");
    let (auto, log) = predict("auto");
    assert_eq!(core, auto);
    assert!(log.contains("engine: ") && log.contains("auto: "), "{log}");
}

#[test]
fn bad_input_exits_2_with_a_message_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let narrow = dir.path().join("narrow.csv");
    std::fs::write(&narrow, "a,b\n1,2\n").unwrap();
    let model = data("onnx/gb_binary_breast_cancer_100.onnx");
    let out_csv = dir.path().join("out.csv");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "predict".into(),
                "--model".into(),
                model.display().to_string(),
                "--input".into(),
                narrow.display().to_string(),
                "-o".into(),
                out_csv.display().to_string(),
            ],
            "takes 30 features per row, but the table has 2 columns",
        ),
        (
            vec![
                "predict".into(),
                "--model".into(),
                model.display().to_string(),
                "--input".into(),
                narrow.display().to_string(),
                "-o".into(),
                "out.xlsx".into(),
            ],
            "unsupported output format `.xlsx`",
        ),
        (
            vec![
                "predict".into(),
                "--model".into(),
                narrow.display().to_string(),
                "--input".into(),
                narrow.display().to_string(),
                "-o".into(),
                out_csv.display().to_string(),
            ],
            "cannot load the model",
        ),
        (
            vec![
                "transform".into(),
                "--pipeline".into(),
                narrow.display().to_string(),
                "--input".into(),
                narrow.display().to_string(),
                "-o".into(),
                out_csv.display().to_string(),
            ],
            "is not a valid fitted pipeline",
        ),
        (
            vec![
                "parity".into(),
                "--model".into(),
                model.display().to_string(),
                "--input".into(),
                narrow.display().to_string(),
                "--engines".into(),
                "cpu".into(),
            ],
            "--engines takes two or more engines",
        ),
    ];
    for (args, message) in cases {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = lockstep(&refs);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}

fn demo_csv() -> String {
    repo()
        .join("www/demo/breast_cancer_eval.csv")
        .display()
        .to_string()
}

#[test]
fn eval_exit_status_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    // The thresholds come from the demo's own scikit-learn fixture: one just below the
    // model's F1 (holds), one just above (fails).
    let expected = read_json(&data("metrics/demo_t50.json"));
    let f1 = expected["expected"]["f1"].as_f64().unwrap();
    for (threshold, code, verdict) in [(f1 - 0.01, 0, "PASS"), (f1 + 0.01, 1, "FAIL")] {
        let contract = dir.path().join("contract.toml");
        std::fs::write(
            &contract,
            format!("optimizing = \"roc_auc\"\nsatisficing = [\"f1 >= {threshold}\"]\n"),
        )
        .unwrap();
        let report = dir.path().join("report.xml");
        let out = lockstep(&[
            "eval",
            "--data",
            &demo_csv(),
            "--label",
            "malignant",
            "--score-col",
            "score",
            "--bootstrap",
            "50",
            "--contract",
            contract.to_str().unwrap(),
            "--format",
            "junit",
            "-o",
            report.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("contract: {verdict}")),
            "{}",
            stderr(&out)
        );
        let xml = std::fs::read_to_string(&report).unwrap();
        assert!(xml.contains("<testcase"), "{xml}");
        assert_eq!(xml.contains("<failure"), code == 1, "{xml}");
    }
}

#[test]
fn eval_json_report_matches_scikit_learn_and_carries_fingerprints() {
    let out = lockstep(&[
        "eval",
        "--data",
        &demo_csv(),
        "--label",
        "malignant",
        "--pred-col",
        "predicted",
        "--bootstrap",
        "20",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = read_json(&data("metrics/demo_pred.json"));
    let metric = |name: &str| {
        report["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("no metric {name}"))["estimate"]
            .clone()
    };
    for name in ["accuracy", "precision", "recall", "f1"] {
        let got = metric(name);
        let got = got["value"].as_f64().or_else(|| got.as_f64()).unwrap();
        let want = expected["expected"][name].as_f64().unwrap();
        assert!(
            (got - want).abs() < 1e-12,
            "{name}: {got} vs scikit-learn {want}"
        );
    }
    let data_sha = report["fingerprints"]["data_sha256"].as_str().unwrap();
    assert_eq!(data_sha.len(), 64);
}

/// The LightGBM fixture's rows, labelled `y` with ONNX Runtime's own predictions: an
/// engine run by `eval --model` must then score perfectly.
fn labelled_lgbm_rows(dir: &Path) -> PathBuf {
    let fixture = read_json(&data("onnx/lgbm_binary_breast_cancer.json"));
    let rows_csv = dir.join("rows.csv");
    fixture_csv(&fixture, &rows_csv);
    let labels = fixture["outputs"][0]["data"].as_array().unwrap();
    let text = std::fs::read_to_string(&rows_csv).unwrap();
    let mut lines = text.lines();
    let mut csv = format!("{},y\n", lines.next().unwrap());
    for (line, label) in lines.zip(labels) {
        csv.push_str(&format!("{line},{label}\n"));
    }
    let labelled = dir.join("labelled.csv");
    std::fs::write(&labelled, csv).unwrap();
    labelled
}

/// `lockstep eval --model` on [`labelled_lgbm_rows`] (JSON report), with `extra` flags.
fn eval_lgbm(dir: &Path, extra: &[&str]) -> Output {
    let labelled = labelled_lgbm_rows(dir);
    let model = data("onnx/lgbm_binary_breast_cancer.onnx");
    let mut args = vec![
        "eval",
        "--data",
        labelled.to_str().unwrap(),
        "--label",
        "y",
        "--model",
        model.to_str().unwrap(),
        "--bootstrap",
        "20",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    lockstep(&args)
}

fn accuracy_of(report: &Value) -> f64 {
    let accuracy = report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "accuracy")
        .unwrap()["estimate"]
        .clone();
    accuracy["value"]
        .as_f64()
        .or_else(|| accuracy.as_f64())
        .unwrap()
}

#[test]
fn eval_runs_a_model_on_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = eval_lgbm(dir.path(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(accuracy_of(&report), 1.0);
    assert_eq!(
        report["fingerprints"]["model_sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert!(report["facts"]["latency_ms_per_row"].as_f64().unwrap() > 0.0);
}

#[test]
fn eval_bad_usage_exits_2() {
    for (args, message) in [
        (
            vec![
                "eval",
                "--data",
                "nope.csv",
                "--label",
                "y",
                "--pred-col",
                "p",
            ],
            "cannot read `nope.csv`",
        ),
        (
            vec![
                "eval",
                "--data",
                "www/demo/breast_cancer_eval.csv",
                "--label",
                "malignant",
            ],
            "give --pred-col, --score-col or --model",
        ),
        (
            vec![
                "eval",
                "--data",
                "www/demo/breast_cancer_eval.csv",
                "--label",
                "nope",
                "--pred-col",
                "predicted",
            ],
            "nope",
        ),
        (
            vec![
                "eval",
                "--data",
                "www/demo/breast_cancer_eval.csv",
                "--label",
                "malignant",
                "--pred-col",
                "predicted",
                "--human",
                "accuracy",
            ],
            "expected METRIC=VALUE",
        ),
    ] {
        let out = lockstep(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}

/// The engines are named `core` and `onnxruntime`; `cpu` and `ort`, their names before,
/// still work (scripts use them), and `--help` says so.
#[test]
fn engines_are_core_and_onnxruntime_and_the_old_names_are_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = read_json(&data("onnx/rf_multiclass_iris.json"));
    let input = dir.path().join("rows.csv");
    fixture_csv(&fixture, &input);
    let model = data("onnx/rf_multiclass_iris.onnx");
    let predict = |engine: &str| {
        let output = dir.path().join(format!("preds-{engine}.csv"));
        let out = lockstep(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--engine",
            engine,
            "-o",
            output.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{engine}: {}", stderr(&out));
        (std::fs::read(&output).unwrap(), stderr(&out))
    };
    // An alias is the same engine: the same file, and the log line names it properly.
    for (name, alias) in [("core", "cpu"), ("onnxruntime", "ort")] {
        let (by_name, log) = predict(name);
        let (by_alias, alias_log) = predict(alias);
        assert_eq!(by_name, by_alias, "{name} vs {alias}");
        assert!(log.contains(&format!("(engine: {name})")), "{log}");
        assert!(
            alias_log.contains(&format!("(engine: {name})")),
            "{alias_log}"
        );
    }
    // The parity report names the engines by their names, whatever was typed.
    for engines in ["cpu,ort", "core,onnxruntime"] {
        let out = lockstep(&[
            "parity",
            "--model",
            model.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--engines",
            engines,
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}{}", stderr(&out));
        assert!(
            stdout.starts_with("parity: core vs onnxruntime on "),
            "{stdout}"
        );
    }
    for command in ["predict", "parity", "eval"] {
        let out = lockstep(&[command, "--help"]);
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{command}: {}", stderr(&out));
        for expected in [
            "core",
            "onnxruntime",
            "alias: cpu",
            "alias: ort",
            "gpu",
            "auto",
        ] {
            assert!(
                help.contains(expected),
                "{command} --help lacks `{expected}`:\n{help}"
            );
        }
    }
    let out = lockstep(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--engine",
        "tpu",
        "-o",
        dir.path().join("x.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("invalid value 'tpu'"),
        "{}",
        stderr(&out)
    );
}

/// `lockstep eval --engine onnxruntime` evaluates ONNX Runtime's predictions: on rows
/// labelled with ONNX Runtime's own classes it scores perfectly, as the core engine does.
#[test]
fn eval_runs_the_model_on_either_engine() {
    for engine in ["onnxruntime", "ort", "core"] {
        let dir = tempfile::tempdir().unwrap();
        let out = eval_lgbm(dir.path(), &["--engine", engine]);
        assert!(out.status.success(), "{engine}: {}", stderr(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(accuracy_of(&report), 1.0, "{engine}");
    }
}

/// `lockstep predict` names probability columns by the model's class labels, the layout
/// the evaluation report and the page use: string classes give `probabilities_<class>`.
#[test]
fn predict_names_probability_columns_by_the_class_labels() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = data("onnx/logreg_multinomial_iris.onnx");
    let bytes = std::fs::read(&model_path).unwrap();
    let classes = lockstep_core::onnx::class_labels(&bytes).unwrap();
    let fixture = read_json(&data("onnx/logreg_multinomial_iris.json"));
    let input = dir.path().join("rows.csv");
    fixture_csv(&fixture, &input);
    let output = dir.path().join("preds.csv");
    let out = lockstep(&[
        "predict",
        "--model",
        model_path.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = Table::from_csv(&std::fs::read(&output).unwrap(), &CsvOptions::default()).unwrap();
    let names: Vec<&str> = table.column_names().collect();
    let mut expected = vec!["label".to_owned()];
    expected.extend(classes.iter().map(|c| format!("probabilities_{c}")));
    assert_eq!(names, expected);
}
