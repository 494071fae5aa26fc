//! A slice's rows: what the Slices cell shows when a slice is clicked. The rule a slice
//! carries (`SliceMetrics::rule`, `FoundSlice::rule`) is applied to the table, and the
//! first rows it selects come back with every column's value as text.

use serde::{Deserialize, Serialize};

use crate::expr::{Rule, RuleError};
use crate::table::Table;

/// How many rows a rule selects, and the first of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceRows {
    /// The rule as given.
    pub rule: String,
    /// Rows of the table the rule holds on (unknown counts as not).
    pub matched: usize,
    /// Rows of the table.
    pub total: usize,
    /// The table's column names, in order.
    pub columns: Vec<String>,
    /// Up to `limit` of the selected rows, in table order.
    pub rows: Vec<SliceRow>,
}

/// One selected row: its 0-based position in the table and its values as the CSV
/// writer would print them (`None` for null).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceRow {
    pub row: usize,
    pub values: Vec<Option<String>>,
}

/// The rows of `table` that `rule` selects: their count and the first `limit`. An error
/// names the rule's bad token or unknown column.
pub fn slice_rows(table: &Table, rule: &str, limit: usize) -> Result<SliceRows, RuleError> {
    let mask = Rule::parse(rule)?.predict(table)?;
    let selected = mask.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i);
    let rows = selected
        .clone()
        .take(limit)
        .map(|row| SliceRow {
            row,
            values: table.columns().iter().map(|c| c.value_text(row)).collect(),
        })
        .collect();
    Ok(SliceRows {
        rule: rule.to_owned(),
        matched: selected.count(),
        total: table.num_rows(),
        columns: table.column_names().map(str::to_owned).collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::CsvOptions;

    #[test]
    fn the_rule_selects_rows_in_order_with_their_values_and_nulls() {
        let table = Table::from_csv(
            b"region,age,y\nEU,31,1\nUS,45,0\nEU,,1\nEU,52,0\n",
            &CsvOptions::default(),
        )
        .unwrap();
        let rows = slice_rows(&table, "region == \"EU\"", 2).unwrap();
        assert_eq!((rows.matched, rows.total), (3, 4));
        assert_eq!(rows.columns, ["region", "age", "y"]);
        assert_eq!(
            rows.rows,
            [
                SliceRow {
                    row: 0,
                    values: vec![Some("EU".into()), Some("31".into()), Some("1".into())],
                },
                SliceRow {
                    row: 2,
                    values: vec![Some("EU".into()), None, Some("1".into())],
                },
            ]
        );
        // An unknown age is not selected by a rule on age.
        assert_eq!(slice_rows(&table, "age >= 40", 10).unwrap().matched, 2);
        let err = slice_rows(&table, "country == \"EU\"", 10).unwrap_err();
        assert!(err.to_string().contains("country"), "{err}");
    }
}
