//! The committed JSON Schemas of the gate report and the diagnosis report equal the
//! ones the types generate (serve/tests/gate_cli.rs validates real `lockstep gate` and
//! `lockstep diagnose` reports against them with Python's jsonschema). After an
//! intended change: `UPDATE_SCHEMA=1 cargo test -p lockstep-core --test gate_schema`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn check(file: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs/schema")
        .join(file);
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; write it with UPDATE_SCHEMA=1", path.display()));
    assert!(
        committed == generated,
        "{} is stale: rerun with UPDATE_SCHEMA=1 (and bump the version if fields changed meaning)",
        path.display()
    );
}

fn required(schema: &serde_json::Value) -> Vec<&str> {
    schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn committed_gate_schema_matches_the_types() {
    let text = lockstep_core::gate::schema::report_schema().unwrap();
    check("gate-report.schema.json", &text);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$id"], lockstep_core::gate::schema::schema_id());
    assert!(
        schema["$id"]
            .as_str()
            .unwrap()
            .contains(lockstep_core::gate::GATE_VERSION)
    );
    for field in ["gate_version", "verdict", "checks", "provenance"] {
        assert!(required(&schema).contains(&field), "{field}");
    }
}

#[test]
fn committed_diagnose_schema_matches_the_types() {
    let text = lockstep_core::diagnose::schema::report_schema().unwrap();
    check("diagnose-report.schema.json", &text);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$id"], lockstep_core::diagnose::schema::schema_id());
    assert!(required(&schema).contains(&"diagnosis"));
}
