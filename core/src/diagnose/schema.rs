//! The diagnosis report's JSON Schema (`lockstep diagnose --format json`), generated
//! from the Rust types with `schemars` and committed at
//! `docs/schema/diagnose-report.schema.json`. A test fails when the committed file
//! differs from what the types generate; run it with `UPDATE_SCHEMA=1` to rewrite it
//! after an intended change (and bump [`DIAGNOSE_SCHEMA_VERSION`] when the change is
//! not purely additive).

use super::export::DiagnoseReport;

/// The version of the diagnosis report's format.
pub const DIAGNOSE_SCHEMA_VERSION: &str = "1.0.0";

/// The `$id` of the schema of this [`DIAGNOSE_SCHEMA_VERSION`].
pub fn schema_id() -> String {
    format!("https://lockstep.invalid/schema/diagnose-report/{DIAGNOSE_SCHEMA_VERSION}.json")
}

/// The JSON Schema (draft 2020-12) of [`DiagnoseReport`], pretty-printed with a
/// trailing newline.
pub fn report_schema() -> Result<String, serde_json::Error> {
    let mut schema = schemars::schema_for!(DiagnoseReport);
    schema.insert("$id".to_owned(), serde_json::Value::String(schema_id()));
    schema.insert(
        "title".to_owned(),
        serde_json::Value::String(format!(
            "Lockstep diagnosis report, schema {DIAGNOSE_SCHEMA_VERSION}"
        )),
    );
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    Ok(text)
}
