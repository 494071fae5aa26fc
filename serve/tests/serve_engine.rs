//! The engine behind `lockstep serve`: `ServedModel` holds any `Engine`; the binary
//! serves ONNX Runtime's pool and says so in its start-up log line (`engine=onnxruntime`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use lockstep_core::onnx::Model;
use lockstep_core::table::{JsonlOptions, Table};
use lockstep_serve::server::served::ServedModel;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn served_with(engine: Box<dyn lockstep_core::engine::Engine>) -> ServedModel {
    let pipeline =
        lockstep_serve::input::read_pipeline(&repo().join("tests/data/serving/pipeline.json"))
            .unwrap();
    ServedModel::new("m".into(), pipeline, "sha".into(), engine, 1).unwrap()
}

/// The served model runs on whichever engine it is given, and names it.
#[test]
fn a_served_model_runs_on_the_core_engine_too() {
    let bytes = std::fs::read(repo().join("tests/data/serving/model.onnx")).unwrap();
    let served = served_with(Box::new(Model::from_bytes(&bytes).unwrap()));
    assert_eq!(served.engine_name(), "core");
    let names: Vec<&str> = served.outputs.iter().map(|o| o.name.as_str()).collect();
    let logged =
        std::fs::read_to_string(repo().join("tests/data/skew/log/predictions.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(logged.lines().next().unwrap()).unwrap();
    // The logged request's raw inputs, as the server validated them, make one row.
    let row = first["inputs"].to_string();
    let table = Table::from_jsonl(row.as_bytes(), &JsonlOptions::default()).unwrap();
    let prediction = served.predict(&table, "r1").unwrap();
    let got: Vec<&str> = prediction.outputs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(got, names);
    assert_eq!(prediction.features.num_rows(), 1);
    // The core engine's probabilities are the logged ONNX Runtime ones, within float
    // rounding (the MLP tolerance of tests/ort_parity.rs).
    let (_, probabilities) = prediction
        .outputs
        .iter()
        .find(|(n, _)| n == "probabilities")
        .unwrap();
    let logged: Vec<f64> = first["outputs"]["probabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let ours = probabilities.as_f32().unwrap();
    assert_eq!(ours.len(), logged.len());
    for (p, q) in ours.iter().zip(&logged) {
        assert!(
            (f64::from(*p) - q).abs() <= 1e-6 + 2e-6 * q.abs(),
            "{p} vs logged {q}"
        );
    }
}

/// `lockstep serve`'s start-up log names the engine `onnxruntime`.
#[test]
fn the_server_log_names_the_engine_onnxruntime() {
    let log_dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_lockstep"));
    command
        .args(["serve", "--model", "tests/data/serving/model.onnx"])
        .args(["--pipeline", "tests/data/serving/pipeline.json"])
        .args(["--addr", "127.0.0.1:0", "--sessions", "1"])
        .args(["--log-dir", log_dir.path().to_str().unwrap()])
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if std::env::var_os("ORT_DYLIB_PATH").is_none()
        && let Some(lib) = lockstep_serve::ort_engine::find_in_venv(&repo())
    {
        command.env("ORT_DYLIB_PATH", lib);
    }
    let mut child = command.spawn().unwrap();
    // The address line comes after the model is loaded, so the log line is written.
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        line.starts_with("lockstep serve: listening on"),
        "{line}\n{log}"
    );
    let loaded = log
        .lines()
        .find(|l| l.contains("model loaded and warmed up"))
        .unwrap_or_else(|| panic!("no start-up line:\n{log}"));
    assert!(loaded.contains("engine=onnxruntime"), "{loaded}");
}

/// A request of a few rows runs on the async worker only when the model is fast; a slow
/// model (or a large request) goes to the blocking pool, so it never holds up the
/// server's connections.
#[test]
fn only_small_requests_to_a_fast_model_run_inline() {
    use lockstep_core::engine::{Engine, EngineError};
    use lockstep_core::onnx::{Tensor, ValueInfo};
    use lockstep_serve::server::served::{INLINE_BUDGET, INLINE_MAX_ROWS};

    /// The core engine's answer to its first run, given again at once (`pause`: zero)
    /// or after a pause longer than the inline budget. (A debug build's engine run
    /// could take longer than the budget itself.)
    struct Timed {
        model: Model,
        answer: std::sync::Mutex<Option<Vec<(String, Tensor)>>>,
        pause: std::time::Duration,
    }
    impl Engine for Timed {
        fn name(&self) -> &str {
            "timed"
        }
        fn inputs(&self) -> &[ValueInfo] {
            self.model.inputs()
        }
        fn run(&self, inputs: &[(&str, &Tensor)]) -> Result<Vec<(String, Tensor)>, EngineError> {
            std::thread::sleep(self.pause);
            let mut answer = self.answer.lock().unwrap();
            if answer.is_none() {
                *answer = Some(Engine::run(&self.model, inputs)?);
            }
            Ok(answer.clone().unwrap())
        }
    }
    let bytes = std::fs::read(repo().join("tests/data/serving/model.onnx")).unwrap();
    let timed = |pause| {
        Box::new(Timed {
            model: Model::from_bytes(&bytes).unwrap(),
            answer: std::sync::Mutex::new(None),
            pause,
        })
    };

    let fast = served_with(timed(std::time::Duration::ZERO));
    assert!(fast.runs_inline(1));
    assert!(fast.runs_inline(INLINE_MAX_ROWS));
    assert!(!fast.runs_inline(INLINE_MAX_ROWS + 1));
    let slow = served_with(timed(INLINE_BUDGET * 4));
    assert!(!slow.runs_inline(1));
}
