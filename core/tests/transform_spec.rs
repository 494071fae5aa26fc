//! The pipeline spec: TOML and JSON parse to the same thing, the published JSON
//! Schema is the one the code generates, and invalid step parameters are refused
//! with a message naming the column, the step and the parameter.
//!
//! To regenerate docs/schema/pipeline-spec.schema.json after changing the spec
//! types: `LOCKSTEP_UPDATE_FIXTURES=1 cargo test -p lockstep-core --test transform_spec`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::Path;

use lockstep_core::table::{CsvOptions, Table};
use lockstep_core::transform::{
    self, FillValue, HandleUnknown, ImputeStrategy, MinFrequency, PipelineSpec, Step,
    TransformError,
};

const TOML_SPEC: &str = r#"
version = 1

[[columns]]
name = "age"
steps = [{ step = "impute", strategy = "median" }, { step = "standardize" }]

[[columns]]
name = "income"
output = "income_log"
steps = [{ step = "log1p" }, { step = "clip", min = 0.0, max = 15 }]

[[columns]]
name = "city"
steps = [
  { step = "impute", strategy = "constant", fill_value = "missing" },
  { step = "one_hot", min_frequency = 5, max_categories = 10, handle_unknown = "infrequent_if_exist" },
]

[[columns]]
name = "score"
steps = [{ step = "bucketize", quantiles = 4 }]

[[crosses]]
columns = ["city", "device"]
steps = [{ step = "hash", n_features = 32 }]
"#;

const JSON_SPEC: &str = r#"{
  "version": 1,
  "columns": [
    {"name": "age", "steps": [{"step": "impute", "strategy": "median"}, {"step": "standardize"}]},
    {"name": "income", "output": "income_log", "steps": [{"step": "log1p"}, {"step": "clip", "min": 0, "max": 15.0}]},
    {"name": "city", "steps": [
      {"step": "impute", "strategy": "constant", "fill_value": "missing"},
      {"step": "one_hot", "min_frequency": 5, "max_categories": 10, "handle_unknown": "infrequent_if_exist"}
    ]},
    {"name": "score", "steps": [{"step": "bucketize", "quantiles": 4}]}
  ],
  "crosses": [{"columns": ["city", "device"], "steps": [{"step": "hash", "n_features": 32}]}]
}"#;

#[test]
fn toml_and_json_specs_parse_to_the_same_pipeline() {
    let from_toml = PipelineSpec::from_toml(TOML_SPEC).unwrap();
    let from_json = PipelineSpec::from_json(JSON_SPEC).unwrap();
    assert_eq!(from_toml, from_json);
    assert_eq!(
        from_toml.columns[0].steps[1],
        Step::Standardize {
            with_mean: true,
            with_std: true
        }
    );
    assert_eq!(
        from_toml.columns[2].steps,
        [
            Step::Impute {
                strategy: ImputeStrategy::Constant,
                fill_value: Some(FillValue::Text("missing".into())),
            },
            Step::OneHot {
                min_frequency: Some(MinFrequency::Count(5)),
                max_categories: Some(10),
                handle_unknown: HandleUnknown::InfrequentIfExist,
            },
        ]
    );
    assert_eq!(from_toml.crosses[0].separator, "_x_");
    // And the spec survives its own JSON.
    let again = PipelineSpec::from_json(&serde_json::to_string(&from_json).unwrap()).unwrap();
    assert_eq!(again, from_json);
}

#[test]
fn the_published_json_schema_is_the_generated_one() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema/pipeline-spec.schema.json");
    let generated = PipelineSpec::json_schema();
    if std::env::var_os("LOCKSTEP_UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == generated,
        "{} is out of date; regenerate it with LOCKSTEP_UPDATE_FIXTURES=1 cargo test -p lockstep-core --test transform_spec",
        path.display()
    );
    // It describes every step.
    for kind in [
        "impute",
        "standardize",
        "min_max",
        "log1p",
        "clip",
        "bucketize",
        "one_hot",
        "ordinal",
        "hash",
        "passthrough",
    ] {
        assert!(
            generated.contains(&format!("\"{kind}\"")),
            "schema lacks step `{kind}`"
        );
    }
}

#[test]
fn unknown_fields_and_steps_are_refused_when_parsing() {
    let err = PipelineSpec::from_toml(
        "[[columns]]\nname = \"a\"\nsteps = [{ step = \"standardise\" }]\n",
    )
    .unwrap_err();
    assert!(
        matches!(err, TransformError::SpecParse { format: "TOML", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("standardise"), "{err}");
    let err = PipelineSpec::from_json(
        r#"{"columns": [{"name": "a", "steps": [{"step": "clip", "low": 1}]}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("low"), "{err}");
}

fn table() -> Table {
    Table::from_csv(b"x,city\n1.5,a\n2.5,b\n3.5,a\n", &CsvOptions::default()).unwrap()
}

fn fit_err(json: &str) -> TransformError {
    let spec = PipelineSpec::from_json(json).unwrap();
    transform::fit(&spec, &table()).unwrap_err()
}

fn assert_invalid_step(json: &str, column: &str, step: usize, needle: &str) {
    match fit_err(json) {
        TransformError::InvalidStep {
            column: c,
            step: s,
            message,
            ..
        } => {
            assert_eq!((c.as_str(), s), (column, step), "{json}");
            assert!(message.contains(needle), "{json}: {message}");
        }
        other => panic!("{json}: expected InvalidStep, got {other}"),
    }
}

#[test]
fn invalid_step_parameters_are_refused() {
    let x = |steps: &str| format!(r#"{{"columns": [{{"name": "x", "steps": [{steps}]}}]}}"#);
    let city = |steps: &str| format!(r#"{{"columns": [{{"name": "city", "steps": [{steps}]}}]}}"#);
    assert_invalid_step(
        &x(r#"{"step": "min_max", "min": 1, "max": 1}"#),
        "x",
        1,
        "less than",
    );
    assert_invalid_step(&x(r#"{"step": "clip"}"#), "x", 1, "min");
    assert_invalid_step(
        &x(r#"{"step": "clip", "min": 2, "max": 1}"#),
        "x",
        1,
        "greater",
    );
    assert_invalid_step(&x(r#"{"step": "bucketize"}"#), "x", 1, "exactly one");
    assert_invalid_step(
        &x(r#"{"step": "bucketize", "boundaries": [1, 1]}"#),
        "x",
        1,
        "strictly increasing",
    );
    assert_invalid_step(
        &x(r#"{"step": "bucketize", "boundaries": []}"#),
        "x",
        1,
        "empty",
    );
    assert_invalid_step(
        &x(r#"{"step": "bucketize", "quantiles": 1}"#),
        "x",
        1,
        "expected 2 to 10000 bins",
    );
    assert_invalid_step(
        &x(r#"{"step": "impute", "strategy": "constant"}"#),
        "x",
        1,
        "fill_value",
    );
    assert_invalid_step(
        &x(r#"{"step": "impute", "strategy": "mean", "fill_value": 1}"#),
        "x",
        1,
        "only used",
    );
    assert_invalid_step(
        &x(r#"{"step": "impute", "strategy": "constant", "fill_value": "n/a"}"#),
        "x",
        1,
        "numeric",
    );
    assert_invalid_step(
        &x(r#"{"step": "passthrough"}, {"step": "log1p"}"#),
        "x",
        1,
        "last step",
    );
    assert_invalid_step(
        &city(r#"{"step": "one_hot", "min_frequency": 0}"#),
        "city",
        1,
        "min_frequency",
    );
    assert_invalid_step(
        &city(r#"{"step": "one_hot", "min_frequency": 1.5}"#),
        "city",
        1,
        "(0, 1)",
    );
    assert_invalid_step(
        &city(r#"{"step": "one_hot", "max_categories": 0}"#),
        "city",
        1,
        "at least 1",
    );
    assert_invalid_step(
        &city(r#"{"step": "hash", "n_features": 0}"#),
        "city",
        1,
        "n_features",
    );
    assert_invalid_step(
        &city(r#"{"step": "standardize"}, {"step": "one_hot"}"#),
        "city",
        1,
        "only impute",
    );
    assert_invalid_step(
        &city(r#"{"step": "impute", "strategy": "mean"}, {"step": "ordinal"}"#),
        "city",
        1,
        "most_frequent",
    );
    assert_invalid_step(
        &city(r#"{"step": "one_hot"}, {"step": "ordinal"}"#),
        "city",
        1,
        "last step",
    );
    assert_invalid_step(
        &city(
            r#"{"step": "impute", "strategy": "constant", "fill_value": 3}, {"step": "one_hot"}"#,
        ),
        "city",
        1,
        "string",
    );
    assert_invalid_step(
        r#"{"crosses": [{"columns": ["city", "x"], "steps": [{"step": "impute", "strategy": "most_frequent"}]}]}"#,
        "city_x_x",
        1,
        "encoder",
    );
}

#[test]
fn spec_level_mistakes_are_refused() {
    assert_eq!(
        fit_err(r#"{"version": 2, "columns": [{"name": "x"}]}"#),
        TransformError::SpecVersion {
            found: 2,
            expected: 1
        }
    );
    assert_eq!(fit_err(r#"{"columns": []}"#), TransformError::EmptySpec);
    assert_eq!(
        fit_err(r#"{"columns": [{"name": "x"}, {"name": "x", "steps": [{"step": "log1p"}]}]}"#),
        TransformError::DuplicateFeatureSource { column: "x".into() }
    );
    // A second chain on the same column is fine once it has its own output name.
    let spec = PipelineSpec::from_json(r#"{"columns": [{"name": "x"}, {"name": "x", "output": "x_log", "steps": [{"step": "log1p"}]}]}"#).unwrap();
    let fitted = transform::fit(&spec, &table()).unwrap();
    assert_eq!(fitted.feature_names(), ["x", "x_log"]);
}
