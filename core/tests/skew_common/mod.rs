//! Shared by the skew tests: offline predictions made from a prediction log.

use lockstep_core::skew::OfflinePredictions;
use lockstep_core::table::{CsvOptions, Table};

/// Offline predictions keyed by `request_id#row`: the logged labels of the JSON Lines
/// `log`, with the label of record `flip` (0-based) flipped.
pub fn logged_labels_with_one_flipped(log: &str, flip: usize) -> OfflinePredictions {
    let mut csv = String::from("request_id,label\n");
    for (i, line) in log.lines().enumerate() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let label = r["outputs"]["label"].as_i64().unwrap();
        let label = if i == flip { 1 - label } else { label };
        csv.push_str(&format!(
            "{}#{},{label}\n",
            r["request_id"].as_str().unwrap(),
            r["row"]
        ));
    }
    OfflinePredictions::new(
        Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap(),
        "request_id",
    )
    .unwrap()
}
