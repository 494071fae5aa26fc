//! One raw value, one meaning: the strings a pipeline reads as null are recorded at
//! fit and applied to every source — a training CSV, a JSON Lines file and a served
//! request. Regression: `NA` (North America, Namibia) as a category was a null in a CSV
//! (pandas' null values) and a category in a JSON request, and `lockstep fit` refused
//! such a CSV ("the value is null, but step `one_hot` needs a value").

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::Path;
use std::process::{Command, Output};

use lockstep_core::table::{CsvOptions, Table};
use lockstep_core::transform::{self, FittedPipeline};
use lockstep_serve::server::validate;
use serde_json::{Map, Value, json};

const TRAIN: &str = "region,spend\nEU,1.5\nNA,2.0\nAPAC,0.5\nNA,3.5\nEU,\n";
const SPEC: &str = r#"
[[columns]]
name = "region"
steps = [{ step = "one_hot" }]

[[columns]]
name = "spend"
steps = [{ step = "impute", strategy = "mean" }, { step = "standardize" }]
"#;

fn lockstep(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lockstep"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("train.csv"), TRAIN).unwrap();
    std::fs::write(dir.path().join("spec.toml"), SPEC).unwrap();
    dir
}

#[test]
fn na_as_a_category_is_refused_with_pandas_null_values() {
    let dir = setup();
    let out = lockstep(
        dir.path(),
        &[
            "fit",
            "--spec",
            "spec.toml",
            "--train",
            "train.csv",
            "-o",
            "p.json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("region"), "{stderr}");
}

#[test]
fn na_as_a_category_works_end_to_end_with_the_recorded_null_values() {
    let dir = setup();
    // `--null-values ''`: only an empty field is missing; `NA` is a region.
    let out = lockstep(
        dir.path(),
        &[
            "fit",
            "--spec",
            "spec.toml",
            "--train",
            "train.csv",
            "--null-values",
            "",
            "-o",
            "p.json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pipeline =
        FittedPipeline::from_json(&std::fs::read_to_string(dir.path().join("p.json")).unwrap())
            .unwrap();
    assert_eq!(pipeline.null_values(), [String::new()]);
    assert!(pipeline.is_null_value(""));
    assert!(!pipeline.is_null_value("NA"));
    let region = &pipeline.input_schema()[0];
    assert_eq!(region.name, "region");
    assert!(
        pipeline.feature_names().iter().any(|f| f == "region_NA"),
        "{:?}",
        pipeline.feature_names()
    );

    // The training CSV, read as the pipeline says.
    let csv = Table::from_csv(
        TRAIN.as_bytes(),
        &CsvOptions {
            null_values: pipeline.null_values(),
            ..CsvOptions::default()
        },
    )
    .unwrap();
    let from_csv = transform::apply(&pipeline, &csv).unwrap();

    // The same rows as a served request: `"NA"` is the category, `""`/null missing.
    let rows: Vec<Map<String, Value>> = TRAIN
        .lines()
        .skip(1)
        .map(|line| {
            let (region, spend) = line.split_once(',').unwrap();
            let spend = spend.parse::<f64>().map_or(Value::Null, |v| json!(v));
            json!({ "region": region, "spend": spend })
                .as_object()
                .unwrap()
                .clone()
        })
        .collect();
    let served = validate::rows_to_table(
        pipeline.input_schema(),
        &|text| pipeline.is_null_value(text),
        &rows,
        100,
    )
    .unwrap();
    let from_request = transform::apply(&pipeline, &served).unwrap();
    assert_eq!(from_request.sha256_hex(), from_csv.sha256_hex());

    // `lockstep transform` on the CSV and on JSON Lines of the same rows: the same
    // features, read with the pipeline's null values without being told.
    let jsonl: String = rows
        .iter()
        .map(|r| format!("{}\n", Value::Object(r.clone())))
        .collect();
    std::fs::write(dir.path().join("rows.jsonl"), jsonl).unwrap();
    for input in ["train.csv", "rows.jsonl"] {
        let out = lockstep(
            dir.path(),
            &[
                "transform",
                "--pipeline",
                "p.json",
                "--input",
                input,
                "-o",
                "f.csv",
            ],
        );
        assert!(
            out.status.success(),
            "{input}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let features = Table::from_csv(
            &std::fs::read(dir.path().join("f.csv")).unwrap(),
            &CsvOptions::default(),
        )
        .unwrap();
        let na = features.column("region_NA").unwrap();
        let values: Vec<Option<String>> =
            (0..features.num_rows()).map(|r| na.value_text(r)).collect();
        assert_eq!(
            values,
            ["0", "1", "0", "1", "0"].map(|v| Some(v.to_owned())),
            "{input}"
        );
    }

    // A flag that contradicts the pipeline's recorded null values is refused.
    let out = lockstep(
        dir.path(),
        &[
            "transform",
            "--pipeline",
            "p.json",
            "--input",
            "train.csv",
            "--null-values",
            "NA",
            "-o",
            "f.csv",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("differs from the pipeline's null values"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
