//! The comparison report's JSON Schema, generated from the Rust types with
//! `schemars` and committed at `docs/schema/compare-report.schema.json`. A test
//! fails when the committed file differs from what the types generate; run it with
//! `UPDATE_SCHEMA=1` to rewrite it after an intended change (and bump
//! [`COMPARE_SCHEMA_VERSION`] when the change is not purely additive).

use super::types::{COMPARE_SCHEMA_VERSION, ComparisonReport};

/// The `$id` of the schema of this [`COMPARE_SCHEMA_VERSION`].
pub fn schema_id() -> String {
    format!("https://lockstep.invalid/schema/compare-report/{COMPARE_SCHEMA_VERSION}.json")
}

/// The JSON Schema (draft 2020-12) of [`ComparisonReport`], pretty-printed with a
/// trailing newline.
pub fn report_schema() -> Result<String, serde_json::Error> {
    let mut schema = schemars::schema_for!(ComparisonReport);
    schema.insert("$id".to_owned(), serde_json::Value::String(schema_id()));
    schema.insert(
        "title".to_owned(),
        serde_json::Value::String(format!(
            "Lockstep comparison report, schema {COMPARE_SCHEMA_VERSION}"
        )),
    );
    let mut text = serde_json::to_string_pretty(&schema)?;
    text.push('\n');
    Ok(text)
}
