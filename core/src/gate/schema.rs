//! The gate report's JSON Schema, generated from the Rust types with `schemars` and
//! committed at `docs/schema/gate-report.schema.json`. A test fails when the committed
//! file differs from what the types generate; run it with `UPDATE_SCHEMA=1` to rewrite
//! it after an intended change (and bump [`GATE_VERSION`] when the change is not
//! purely additive).

use super::{GATE_VERSION, GateReport};

/// The `$id` of the schema of this [`GATE_VERSION`].
pub fn schema_id() -> String {
    format!("https://lockstep.invalid/schema/gate-report/{GATE_VERSION}.json")
}

/// The JSON Schema (draft 2020-12) of [`GateReport`], pretty-printed with a trailing
/// newline.
pub fn report_schema() -> Result<String, serde_json::Error> {
    let mut schema = schemars::schema_for!(GateReport);
    schema.insert("$id".to_owned(), serde_json::Value::String(schema_id()));
    schema.insert(
        "title".to_owned(),
        serde_json::Value::String(format!("Lockstep gate report, schema {GATE_VERSION}")),
    );
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    Ok(text)
}
