//! Notebook states of realistic size for the share-link tests and bench: the demo
//! notebook, and the same with 100 tagged errors and notes.

use lockstep_core::fingerprint::sha256_hex;
use lockstep_core::share::{
    Cell, EvalSettings, FileKind, HumanLevel, Note, NotebookState, Prediction, RoleFile,
    SettingsText, Summary, SummaryMetric, Tag, TextFormat, summary_number,
};

/// Full-precision numbers in (0.5, 1), as computed metrics are (a fixed LCG).
fn numbers(count: usize) -> Vec<f64> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..count)
        .map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            0.5 + (x >> 11) as f64 / (1u64 << 53) as f64 / 2.0
        })
        .collect()
}

fn file(role: &str, kind: FileKind, name: &str) -> RoleFile {
    RoleFile {
        role: role.to_owned(),
        kind,
        name: name.to_owned(),
        sha256: sha256_hex(name.as_bytes()),
    }
}

fn cell(id: &str, kind: &str, inputs: &[&str]) -> Cell {
    Cell {
        id: id.to_owned(),
        kind: kind.to_owned(),
        collapsed: false,
        inputs: inputs.iter().map(|s| (*s).to_owned()).collect(),
        settings: None,
        slices: None,
    }
}

/// The demo notebook: training and test data, a pipeline, two models, a settings box,
/// a contract, a dozen headline metrics with intervals.
pub fn demo_state() -> NotebookState {
    let names = [
        "accuracy",
        "balanced_accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "average_precision",
        "log_loss",
        "brier",
        "ece",
        "mce",
        "ece_equal_mass",
    ];
    let values = numbers(names.len() * 3);
    NotebookState {
        cells: vec![
            cell("data", "data", &["train", "test"]),
            cell("pipeline", "pipeline", &["train", "pipeline"]),
            cell("models", "models", &["champion", "challenger"]),
            cell("evaluate", "evaluate", &["test", "champion", "pipeline"]),
            cell("calibration", "calibration", &["test", "champion"]),
            cell("errors", "error_analysis", &["test", "champion"]),
            cell("notes", "notes", &[]),
        ],
        settings: EvalSettings {
            label: Some("malignant".to_owned()),
            prediction: Some(Prediction::Model("champion".to_owned())),
            config: Some(SettingsText {
                format: TextFormat::Toml,
                text: "calibration_bins = 10\nequal_mass_bins = true\n\n[bootstrap]\n\
                       replicates = 500\nseed = 7\nconfidence = 0.95\n\n[targets]\n\
                       precision = 0.95\ncoverage = 0.8\n"
                    .to_owned(),
            }),
            positive_label: Some("1".to_owned()),
            heuristic: Some("worst_concavity > 0.3 and mean_radius > 14".to_owned()),
            existing_column: None,
            human: vec![HumanLevel {
                metric: "accuracy".to_owned(),
                value: 0.95,
            }],
            bootstrap_replicates: Some(500),
            seed: Some(7),
        },
        contract: Some(SettingsText {
            format: TextFormat::Toml,
            text: "optimizing = \"roc_auc\"\nsatisficing = [\"f1 >= 0.85\", \"ece <= 0.08\", \
                   \"latency_ms_per_row <= 1\", \"model_size_mb <= 50\"]\n"
                .to_owned(),
        }),
        thresholds: [
            ("decision".to_owned(), 0.5),
            ("precision_0.95".to_owned(), values[0]),
        ]
        .into_iter()
        .collect(),
        tags: Vec::new(),
        notes: vec![Note {
            cell: Some("evaluate".to_owned()),
            text: "Champion beats the heuristic on every metric; check calibration.".to_owned(),
        }],
        files: vec![
            file("train", FileKind::Data, "breast_cancer_train.csv"),
            file("test", FileKind::Data, "breast_cancer_test.csv"),
            file("pipeline", FileKind::Pipeline, "pipeline.json"),
            file("champion", FileKind::Model, "logistic_regression.onnx"),
            file("challenger", FileKind::Model, "random_forest.onnx"),
        ],
        summary: Summary {
            rows: Some(171),
            task: Some("classification".to_owned()),
            metrics: names
                .iter()
                .enumerate()
                .map(|(i, name)| SummaryMetric {
                    name: (*name).to_owned(),
                    estimate: Some(summary_number(values[3 * i])),
                    lower: Some(summary_number(values[3 * i + 1] - 0.05)),
                    upper: Some(summary_number(values[3 * i + 2])),
                })
                .collect(),
            contract_passed: Some(true),
        },
    }
}

/// The demo notebook with 100 tagged errors (each with a short note) and 10 notes.
pub fn tagged_state() -> NotebookState {
    let mut state = demo_state();
    let kinds = [
        "mislabeled",
        "hard",
        "duplicate",
        "ambiguous",
        "sensor error",
    ];
    state.tags = (0..100u64)
        .map(|i| Tag {
            row: 1 + i * 7 % 171 + i,
            tag: kinds[(i % 5) as usize].to_owned(),
            note: Some(format!(
                "row {}: predicted {} with p = {:.3}; looks {}",
                1 + i * 7 % 171 + i,
                i % 2,
                numbers(i as usize + 1)[i as usize],
                kinds[((i + 2) % 5) as usize]
            )),
        })
        .collect();
    state.notes.extend((0..10).map(|i| Note {
        cell: Some(["errors", "calibration"][i % 2].to_owned()),
        text: format!(
            "Note {i}: the errors tagged `{}` cluster at high mean_radius; re-label and re-run.",
            kinds[i % 5]
        ),
    }));
    state
}

/// The demo notebook with docs/examples/eval.toml (comments and all) as its settings.
pub fn commented_config_state() -> NotebookState {
    let mut state = demo_state();
    if let Some(config) = &mut state.settings.config {
        config.text = include_str!("../../../docs/examples/eval.toml").to_owned();
    }
    state
}
