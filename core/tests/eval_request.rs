//! The one evaluation request (`report::evaluate_request`) that `lockstep eval` and the
//! web app both carry out: settings in TOML and JSON read by one parser, a missing
//! prediction source named, overrides applied over the settings.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use lockstep_core::report::{
    EvalConfig, EvalRequest, Overrides, Predictions, RequestError, Settings, SettingsFormat,
    Source, evaluate, evaluate_request, sha256_hex,
};
use lockstep_core::{CsvOptions, Table};

const DATA: &str = "y,score\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n1,0.35\n0,0.1\n1,0.8\n0,0.6\n";

fn table() -> Table {
    Table::from_csv(DATA.as_bytes(), &CsvOptions::default()).unwrap()
}

fn request<'a>(source: Source<'a>, settings: Option<Settings<'a>>) -> EvalRequest<'a> {
    EvalRequest {
        label: "y".into(),
        source,
        settings,
        contract: None,
        overrides: Overrides {
            bootstrap_replicates: Some(50),
            ..Overrides::default()
        },
        data_sha256: Some(sha256_hex(DATA.as_bytes())),
    }
}

#[test]
fn toml_and_json_settings_give_the_same_report() {
    let toml = "threshold = 0.5\noptimizing = \"roc_auc\"\nsatisficing = [\"accuracy >= 0.6\"]\n\
                [bootstrap]\nseed = 7\n";
    let json = r#"{"threshold": 0.5, "optimizing": "roc_auc",
                   "satisficing": ["accuracy >= 0.6"], "bootstrap": {"seed": 7}}"#;
    let from = |text, format| {
        evaluate_request(
            &table(),
            &request(
                Source::Score("score".into()),
                Some(Settings { text, format }),
            ),
            &|| 0.0,
        )
        .unwrap()
    };
    let a = from(toml, SettingsFormat::Toml);
    let b = from(json, SettingsFormat::Json);
    assert_eq!(a, b);
    assert!(a.contract.is_some());
    assert_eq!(
        a.fingerprints.data_sha256.as_deref(),
        Some(sha256_hex(DATA.as_bytes()).as_str())
    );

    // The same evaluation built by hand from a config.
    let mut config =
        EvalConfig::from_toml_settings(toml, "y", &Predictions::Score("score".into())).unwrap();
    config.bootstrap.replicates = 50;
    config.fingerprints.data_sha256 = Some(sha256_hex(DATA.as_bytes()));
    assert_eq!(evaluate(&table(), &config).unwrap(), a);
}

#[test]
fn errors_name_the_setting_and_the_missing_source() {
    let bad = |text, format| {
        evaluate_request(
            &table(),
            &request(
                Source::Score("score".into()),
                Some(Settings { text, format }),
            ),
            &|| 0.0,
        )
        .unwrap_err()
        .to_string()
    };
    for (text, format) in [
        ("[bootstrap]\nreplicates = \"many\"\n", SettingsFormat::Toml),
        (
            r#"{"bootstrap": {"replicates": "many"}}"#,
            SettingsFormat::Json,
        ),
    ] {
        let message = bad(text, format);
        assert!(message.starts_with("invalid settings:"), "{message}");
        assert!(message.contains("replicates"), "{message}");
    }
    let none = evaluate_request(&table(), &request(Source::Settings, None), &|| 0.0).unwrap_err();
    assert_eq!(none, RequestError::NoPredictions);
    let settings_without = evaluate_request(
        &table(),
        &request(
            Source::Settings,
            Some(Settings {
                text: "threshold = 0.4\n",
                format: SettingsFormat::Toml,
            }),
        ),
        &|| 0.0,
    )
    .unwrap_err();
    assert_eq!(settings_without, RequestError::NoPredictions);
}

#[test]
fn overrides_win_over_the_settings() {
    let mut req = request(
        Source::Settings,
        Some(Settings {
            text: "threshold = 0.9\n[predictions]\nscore = \"score\"\n",
            format: SettingsFormat::Toml,
        }),
    );
    req.overrides.threshold = Some(0.3);
    let report = evaluate_request(&table(), &req, &|| 0.0).unwrap();
    assert_eq!(report.inputs.threshold, Some(0.3));
}

fn error_on(data: &str, source: Source<'_>) -> String {
    let table = Table::from_csv(data.as_bytes(), &CsvOptions::default()).unwrap();
    evaluate_request(&table, &request(source, None), &|| 0.0)
        .unwrap_err()
        .to_string()
}

/// Issue 13: the page's quick metrics accepted scores outside [0, 1] that the report
/// refused; through the one request every caller refuses them, naming row and value.
#[test]
fn scores_outside_the_unit_interval_name_the_row_and_value() {
    let err = error_on("y,s\n1,0.9\n0,1.7\n", Source::Score("s".into()));
    assert!(err.contains("row 2") && err.contains("1.7"), "{err}");
}

/// Issue 13: a non-numeric score cell was reported without its row and value.
#[test]
fn a_non_numeric_score_cell_names_its_row_and_value() {
    let err = error_on("y,s\n1,0.9\n0,high\n1,0.2\n", Source::Score("s".into()));
    assert_eq!(
        err,
        "cannot evaluate: column `s`, row 2: `high` is not a number; a score column must hold numbers"
    );
}

/// Issue 13: three classes with a score column blamed the score column for the classes.
#[test]
fn three_classes_with_a_score_column_blame_the_label() {
    let err = error_on("y,s\na,0.9\nb,0.1\nc,0.2\n", Source::Score("s".into()));
    assert!(
        err.contains("the label `y` holds 3 classes (a, b, c)")
            && err.contains("a score column (`s`) gives one positive-class probability"),
        "{err}"
    );
}

/// An engine that runs a batch as the page's engine workers do: cut into three parts
/// ([`Model::split_rows`]), each run apart, merged ([`Model::merge_rows`]) — only from
/// `run_async`; its `run` fails, so the test knows which path ran.
struct InParts(lockstep_core::onnx::Model);

impl lockstep_core::engine::Engine for InParts {
    fn name(&self) -> &str {
        "core"
    }

    fn inputs(&self) -> &[lockstep_core::onnx::ValueInfo] {
        self.0.inputs()
    }

    fn run(
        &self,
        _: &[(&str, &lockstep_core::onnx::Tensor)],
    ) -> Result<Vec<(String, lockstep_core::onnx::Tensor)>, lockstep_core::engine::EngineError>
    {
        Err(lockstep_core::onnx::OnnxError::NoGraph.into())
    }

    fn run_async<'a>(
        &'a self,
        inputs: &'a [(&'a str, &'a lockstep_core::onnx::Tensor)],
    ) -> lockstep_core::engine::EngineFuture<'a> {
        let parts = self.0.split_rows(inputs, 3, 100).unwrap().unwrap();
        assert_eq!(parts.len(), 3);
        let outputs = parts
            .iter()
            .map(|part| {
                let refs: Vec<_> = part.iter().map(|(n, t)| (n.as_str(), t)).collect();
                self.0.run(&refs).unwrap()
            })
            .collect();
        Box::pin(std::future::ready(Ok(self.0.merge_rows(outputs).unwrap())))
    }
}

/// Polls a future that never waits (every engine here is ready at once).
fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => panic!("the future waited"),
    }
}

/// The bench forest's evaluation request, with `engine`.
fn model_request(engine: &dyn lockstep_core::engine::Engine) -> EvalRequest<'_> {
    EvalRequest {
        label: "label".into(),
        source: Source::Model(lockstep_core::report::ModelSource {
            engine,
            class_labels: None,
            pipeline: None,
            bytes: &[],
        }),
        settings: None,
        contract: None,
        overrides: Overrides {
            bootstrap_replicates: Some(20),
            ..Overrides::default()
        },
        data_sha256: None,
    }
}

#[test]
fn the_async_preparation_runs_the_engines_async_run_and_gives_the_same_report() {
    use lockstep_core::report::{evaluate_prepared, prepare_request, prepare_request_async};
    let (table, model, parts) = bench_engines();
    let (whole, split) = (model_request(&model), model_request(&parts));
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let report = |request: &EvalRequest<'_>, prepared| {
        // `now` reads 0 throughout: the timed facts are equal too.
        let report = evaluate_prepared(
            &table,
            request,
            &prepared,
            None,
            &|| 0.0,
            &mut |_| {},
            &cancel,
        )
        .unwrap();
        serde_json::to_string(&report).unwrap()
    };
    let want = report(&whole, prepare_request(&table, &whole, &|| 0.0).unwrap());
    let got = report(
        &split,
        ready(prepare_request_async(&table, &split, &|| 0.0)).unwrap(),
    );
    assert_eq!(want, got);
    // The sync path runs the engine's `run`, which this engine refuses.
    let err = prepare_request(&table, &split, &|| 0.0).err().unwrap();
    assert!(matches!(err, RequestError::Model(_)), "{err}");
}

/// The bench forest as a whole-batch engine and as [`InParts`], with its data.
fn bench_engines() -> (Table, lockstep_core::onnx::Model, InParts) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/behaviour/");
    let bytes = std::fs::read(format!("{dir}bench_forest_30.onnx")).unwrap();
    let data = std::fs::read(format!("{dir}bench_1000x30.csv")).unwrap();
    let table = Table::from_csv(&data, &CsvOptions::default()).unwrap();
    let model = lockstep_core::onnx::Model::from_bytes(&bytes).unwrap();
    let parts = InParts(lockstep_core::onnx::Model::from_bytes(&bytes).unwrap());
    (table, model, parts)
}

#[test]
fn the_async_comparison_runs_both_sides_through_the_engines_async_run_and_gives_the_same_report() {
    use lockstep_core::compare::{
        CompareOverrides, CompareRequest, compare_request, compare_request_async,
    };
    let (table, model, parts) = bench_engines();
    let request = |engine| {
        let side = |engine| {
            Source::Model(lockstep_core::report::ModelSource {
                engine,
                class_labels: None,
                pipeline: None,
                bytes: &[],
            })
        };
        CompareRequest {
            label: "label".into(),
            names: ["a.onnx".into(), "b.onnx".into()],
            champion: side(engine),
            challenger: side(engine),
            settings: None,
            overrides: CompareOverrides {
                bootstrap_replicates: Some(20),
                ..CompareOverrides::default()
            },
            data_sha256: None,
        }
    };
    let (whole, split) = (request(&model), request(&parts));
    let want = compare_request(&table, &whole, &|| 0.0).unwrap();
    let got = ready(compare_request_async(&table, &split, &|| 0.0)).unwrap();
    assert_eq!(
        serde_json::to_string(&want).unwrap(),
        serde_json::to_string(&got).unwrap()
    );
    let err = compare_request(&table, &split, &|| 0.0).err().unwrap();
    assert!(err.to_string().contains("champion"), "{err}");
}

#[test]
fn the_async_blackbox_evaluation_runs_the_engines_async_run_and_gives_the_same_report() {
    use lockstep_core::gate::{evaluate_blackbox, evaluate_blackbox_async};
    let (table, model, parts) = bench_engines();
    let (whole, split) = (model_request(&model), model_request(&parts));
    let want = evaluate_blackbox(&table, &whole, "core", &|| 0.0).unwrap();
    let got = ready(evaluate_blackbox_async(&table, &split, "core", &|| 0.0)).unwrap();
    assert!(
        got.rows > 0 && got.rows < got.total,
        "{} of {}",
        got.rows,
        got.total
    );
    assert_eq!((want.rows, want.total), (got.rows, got.total));
    assert_eq!(want.settings, got.settings);
    assert_eq!(want.json, got.json);
    assert!(evaluate_blackbox(&table, &split, "core", &|| 0.0).is_err());
}

#[test]
fn the_async_diagnosis_measures_each_set_through_the_engines_async_run_and_gives_the_same_report() {
    use lockstep_core::diagnose::{DiagnoseRequest, SetData, SetInput, request, request_async};
    use lockstep_core::metrics::bootstrap::BootstrapConfig;
    let (table, model, parts) = bench_engines();
    let half: Vec<usize> = (0..table.num_rows() / 2).collect();
    let train = table.take(&half).unwrap();
    let diagnosis = |engine| {
        let set = |table| {
            Some(SetInput::Data(SetData {
                table,
                sha256: None,
            }))
        };
        DiagnoseRequest {
            eval: Some(model_request(engine)),
            sets: [set(&train), None, set(&table), None],
            metric: "error rate".into(),
            higher_is_better: false,
            optimal: None,
            tolerance: 0.02,
            bootstrap: BootstrapConfig {
                replicates: 20,
                seed: 1,
                confidence: 0.95,
            },
            curves: None,
            errors: Some(5),
            tags: None,
        }
    };
    let want = request(diagnosis(&model), &|| 0.0).unwrap();
    let got = ready(request_async(diagnosis(&parts), &|| 0.0)).unwrap();
    assert!(got.errors.is_some());
    assert_eq!(want, got);
    let err = request(diagnosis(&parts), &|| 0.0).err().unwrap();
    assert!(err.to_string().contains("training"), "{err}");
}
