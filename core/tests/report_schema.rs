//! The committed JSON Schema of the report equals the one the types generate.
//! After an intended change: `UPDATE_SCHEMA=1 cargo test -p lockstep-core --test
//! report_schema`, and bump `SCHEMA_VERSION` unless the change only adds fields.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use lockstep_core::report::schema::{report_schema, schema_id};
use lockstep_core::report::{SCHEMA_VERSION, export};

#[test]
fn committed_schema_matches_the_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema/eval-report.schema.json");
    let generated = report_schema().unwrap();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; write it with UPDATE_SCHEMA=1", path.display()));
    assert!(
        committed == generated,
        "{} is stale: rerun with UPDATE_SCHEMA=1 (and bump SCHEMA_VERSION if fields changed meaning)",
        path.display()
    );
}

#[test]
fn schema_names_its_version_and_requires_the_report_fields() {
    let schema: serde_json::Value = serde_json::from_str(&report_schema().unwrap()).unwrap();
    assert_eq!(schema["$id"], schema_id());
    assert!(schema_id().contains(SCHEMA_VERSION));
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in ["schema_version", "metrics", "split", "fingerprints", "task"] {
        assert!(
            required.contains(&field),
            "{field} not required: {required:?}"
        );
    }
    // Every property of a report serialised today is declared by the schema.
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/eval/report_golden/report.json");
    let report = export::from_json(&std::fs::read_to_string(golden).unwrap()).unwrap();
    let value = serde_json::to_value(&report).unwrap();
    for key in value.as_object().unwrap().keys() {
        assert!(
            schema["properties"].get(key).is_some(),
            "{key} missing from the schema"
        );
    }
}
