//! The report's JSON Schema, generated from the Rust types with `schemars` and
//! committed at `docs/schema/eval-report.schema.json`. A test fails when the
//! committed file differs from what the types generate; run the tests with
//! `UPDATE_SCHEMA=1` to rewrite it after an intended change (and bump
//! [`SCHEMA_VERSION`] when the change is not purely additive).

use super::types::{EvalReport, SCHEMA_VERSION};

/// The `$id` of the schema of this [`SCHEMA_VERSION`].
pub fn schema_id() -> String {
    format!("https://lockstep.invalid/schema/eval-report/{SCHEMA_VERSION}.json")
}

/// The JSON Schema (draft 2020-12) of [`EvalReport`], pretty-printed with a
/// trailing newline.
pub fn report_schema() -> Result<String, serde_json::Error> {
    let mut schema = schemars::schema_for!(EvalReport);
    schema.insert("$id".to_owned(), serde_json::Value::String(schema_id()));
    schema.insert(
        "title".to_owned(),
        serde_json::Value::String(format!(
            "Lockstep evaluation report, schema {SCHEMA_VERSION}"
        )),
    );
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    Ok(text)
}
