//! The committed JSON Schema of the skew report equals the one the types generate.
//! After an intended change: `UPDATE_SCHEMA=1 cargo test -p lockstep-core --test
//! skew_schema`, and bump `SKEW_REPORT_VERSION` unless the change only adds fields.
//! (serve/tests/skew_e2e.rs validates real reports against it with Python's jsonschema.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use lockstep_core::skew::{SKEW_REPORT_VERSION, skew_report_schema, skew_schema_id};

#[test]
fn committed_schema_matches_the_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema/skew-report.schema.json");
    let generated = skew_report_schema().unwrap();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; write it with UPDATE_SCHEMA=1", path.display()));
    assert!(
        committed == generated,
        "{} is stale: rerun with UPDATE_SCHEMA=1 (and bump SKEW_REPORT_VERSION if fields changed meaning)",
        path.display()
    );
}

#[test]
fn schema_names_its_version_and_requires_the_verdict() {
    let schema: serde_json::Value = serde_json::from_str(&skew_report_schema().unwrap()).unwrap();
    assert_eq!(schema["$id"], skew_schema_id());
    assert!(skew_schema_id().contains(SKEW_REPORT_VERSION));
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in [
        "report_version",
        "rows",
        "fingerprints",
        "transform_parity",
        "prediction_parity",
        "checks",
        "passed",
    ] {
        assert!(
            required.contains(&field),
            "{field} not required: {required:?}"
        );
    }
}
