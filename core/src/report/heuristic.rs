//! The heuristic baseline's predicted classes: one rule for a binary task, or ordered
//! cases with a default class for any number of classes (see [`Heuristic`]).

use super::ReportError;
use super::config::{Heuristic, HeuristicCases};
use crate::expr::Rule;
use crate::table::Table;

fn parse(source: &str) -> Result<Rule, ReportError> {
    Rule::parse(source).map_err(|e| ReportError::Rule {
        rule: source.to_owned(),
        source: e,
    })
}

/// Where `rule` holds on `table`'s rows.
fn holds(rule: &Rule, table: &Table) -> Result<Vec<bool>, ReportError> {
    rule.predict(table).map_err(|e| ReportError::Rule {
        rule: rule.source().to_owned(),
        source: e,
    })
}

/// The index of `label` in `classes`.
fn class_index(label: &str, classes: &[String]) -> Result<u32, ReportError> {
    classes
        .iter()
        .position(|c| c == label)
        .map(|i| i as u32)
        .ok_or_else(|| ReportError::HeuristicUnknownClass {
            label: label.to_owned(),
            classes: classes.to_vec(),
        })
}

/// The class index the heuristic predicts for every row of `table` (`classes[c]` is
/// class `c`; binary tasks have the positive class last).
pub(super) fn predict(
    heuristic: &Heuristic,
    table: &Table,
    classes: &[String],
) -> Result<Vec<u32>, ReportError> {
    match heuristic {
        Heuristic::Rule(source) => {
            if classes.len() != 2 {
                return Err(ReportError::HeuristicNeedsBinary {
                    classes: classes.len(),
                });
            }
            Ok(holds(&parse(source)?, table)?
                .into_iter()
                .map(u32::from)
                .collect())
        }
        Heuristic::Cases(HeuristicCases { cases, default }) => {
            if cases.is_empty() {
                return Err(ReportError::InvalidSetting {
                    setting: "baselines.heuristic.cases",
                    value: "[]".to_owned(),
                    expected: "at least one case (always predicting one class is the zero rule)",
                });
            }
            // Every rule and class is checked before any row is read.
            let compiled = cases
                .iter()
                .map(|case| Ok((parse(&case.when)?, class_index(&case.label, classes)?)))
                .collect::<Result<Vec<_>, ReportError>>()?;
            let default = class_index(default, classes)?;
            let mut predicted: Vec<Option<u32>> = vec![None; table.num_rows()];
            for (rule, class) in &compiled {
                for (slot, holds) in predicted.iter_mut().zip(holds(rule, table)?) {
                    if holds && slot.is_none() {
                        *slot = Some(*class);
                    }
                }
            }
            Ok(predicted
                .into_iter()
                .map(|p| p.unwrap_or(default))
                .collect())
        }
    }
}

/// What the baseline predicts, in words, for the report.
pub(super) fn describe(heuristic: &Heuristic, classes: &[String]) -> String {
    match heuristic {
        Heuristic::Rule(source) => format!(
            "predict `{}` where `{source}` holds",
            classes.get(1).map_or("", String::as_str)
        ),
        Heuristic::Cases(HeuristicCases { cases, default }) => {
            let cases: Vec<String> = cases
                .iter()
                .map(|c| format!("`{}` → `{}`", c.when, c.label))
                .collect();
            format!(
                "the first case that holds: {}; otherwise `{default}`",
                cases.join("; ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::config::HeuristicCase;
    use crate::table::CsvOptions;

    fn table() -> Table {
        let csv = "x,kind\n1,a\n5,b\n,a\n9,c\n";
        Table::from_csv(csv.as_bytes(), &CsvOptions::default()).unwrap()
    }

    fn classes() -> Vec<String> {
        ["cat", "dog", "eel"]
            .iter()
            .map(|c| (*c).to_owned())
            .collect()
    }

    fn cases(cases: &[(&str, &str)], default: &str) -> Heuristic {
        Heuristic::Cases(HeuristicCases {
            cases: cases
                .iter()
                .map(|&(when, label)| HeuristicCase {
                    when: when.to_owned(),
                    label: label.to_owned(),
                })
                .collect(),
            default: default.to_owned(),
        })
    }

    #[test]
    fn the_first_case_that_holds_wins_and_unknown_falls_through() {
        let h = cases(
            &[("x > 4", "dog"), ("x > 8 or kind == \"a\"", "eel")],
            "cat",
        );
        // Row 3's x is null: `x > 4` is unknown, `kind == "a"` holds.
        assert_eq!(predict(&h, &table(), &classes()).unwrap(), [2, 1, 2, 1]);
        assert_eq!(
            describe(&h, &classes()),
            "the first case that holds: `x > 4` → `dog`; `x > 8 or kind == \"a\"` → `eel`; \
             otherwise `cat`"
        );
    }

    #[test]
    fn unknown_classes_and_bad_rules_are_named() {
        let err = predict(&cases(&[("x > 4", "cow")], "cat"), &table(), &classes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "heuristic baseline: `cow` is not a class of the label column (classes: cat, dog, eel)"
        );
        let err = predict(&cases(&[("x > 4", "dog")], "cow"), &table(), &classes()).unwrap_err();
        assert!(err.to_string().contains("`cow`"), "{err}");
        let err = predict(&cases(&[("y > 4", "dog")], "cat"), &table(), &classes()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("heuristic baseline `y > 4`: position 1: no column named `y`"),
            "{err}"
        );
        let err = predict(&cases(&[], "cat"), &table(), &classes()).unwrap_err();
        assert!(err.to_string().contains("at least one case"), "{err}");
        let err = predict(&Heuristic::from("x > 4"), &table(), &classes()).unwrap_err();
        assert_eq!(err, ReportError::HeuristicNeedsBinary { classes: 3 });
    }
}
