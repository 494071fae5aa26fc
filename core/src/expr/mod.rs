//! A small expression language over table columns, shared by the heuristic
//! baseline (a rule → the positive class) and slices (a rule → the rows it selects).
//!
//! ```text
//! income > 50000 and age < 30
//! country == "FR" or not churned
//! (score >= 0.5 or `legacy flag`) and region is not null
//! ```
//!
//! * Values: numbers (`42`, `-1.5`, `5e4`, `1_000`), strings in `"…"` or `'…'`,
//!   `true`, `false`. Columns are bare names (`[A-Za-z_][A-Za-z0-9_.]*`) or any
//!   text in backticks.
//! * Operators, loosest first: `or`, `and`, `not`, then comparisons `== != < <= > >=`
//!   and `is null` / `is not null`. Keywords are case-insensitive. Parentheses group.
//! * Types are checked against the table before any row is read: numbers compare
//!   with int64 and float64 columns (all four orderings allowed), strings and
//!   booleans only with `==` / `!=`. A boolean column may stand alone as a condition.
//! * Nulls follow SQL's three-valued logic: a comparison with a null cell is
//!   *unknown*; `not unknown` is unknown; `false and unknown` is false and
//!   `true or unknown` is true. A row whose rule is unknown is predicted negative.
//!   `x is null` is never unknown.
//!
//! The tokenizer ([`lexer`]) and the recursive-descent parser ([`parser`]) are
//! hand-written; every error names the 1-based character position in the rule.

pub mod lexer;
pub mod parser;
mod typed;

use crate::table::{DataType, Table};

pub use lexer::CompareOp;
pub use parser::{Expr, Literal};

/// Why a rule could not be parsed or applied to a table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("position {position}: unexpected character `{found}`{hint}")]
    UnexpectedChar {
        position: usize,
        found: char,
        hint: &'static str,
    },
    #[error("position {position}: unterminated {what}")]
    Unterminated { position: usize, what: &'static str },
    #[error("position {position}: `{text}` is not a number")]
    BadNumber { position: usize, text: String },
    #[error("position {position}: expected {expected}, found {found}")]
    Unexpected {
        position: usize,
        found: String,
        expected: &'static str,
    },
    #[error("the rule is empty")]
    Empty,
    #[error("position {position}: no column named `{name}` (columns: {})", available.join(", "))]
    UnknownColumn {
        position: usize,
        name: String,
        available: Vec<String>,
    },
    #[error("position {position}: cannot compare {left} with {right} using `{}`{hint}", op.symbol())]
    TypeMismatch {
        position: usize,
        op: CompareOp,
        left: String,
        right: String,
        /// Set when both sides share a type that has no ordering.
        hint: &'static str,
    },
    #[error(
        "position {position}: {what} is not a condition; compare it with a value (e.g. `{example}`)"
    )]
    NotACondition {
        position: usize,
        what: String,
        example: String,
    },
    #[error("position {position}: {what} cannot be compared; comparisons take columns and values")]
    NotAValue { position: usize, what: String },
    #[error("position {position}: compare with null using `is null` or `is not null`")]
    NullComparison { position: usize },
}

/// A parsed rule; apply it to a table with [`Rule::predict`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    source: String,
    expr: Expr,
}

impl Rule {
    /// Parses `source`.
    pub fn parse(source: &str) -> Result<Self, RuleError> {
        let tokens = lexer::tokenize(source)?;
        if tokens.is_empty() {
            return Err(RuleError::Empty);
        }
        let expr = parser::parse(&tokens, source.chars().count() + 1)?;
        Ok(Self {
            source: source.to_owned(),
            expr,
        })
    }

    /// The rule as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Checks the rule against `table`'s columns and evaluates it on every row:
    /// `true` where the rule holds, `false` where it is false or unknown.
    pub fn predict(&self, table: &Table) -> Result<Vec<bool>, RuleError> {
        let compiled = typed::compile(&self.expr, table)?;
        Ok((0..table.num_rows())
            .map(|row| compiled.eval(table, row) == Some(true))
            .collect())
    }
}

/// A column's type as a rule error names it.
fn type_name(data_type: DataType) -> &'static str {
    data_type.name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::CsvOptions;

    const CSV: &str = "\
income,age,country,churned,score
60000,25,FR,false,0.9
40000,22,DE,true,0.2
70000,45,FR,,0.5
,28,,false,0.7
";

    fn table() -> Table {
        Table::from_csv(CSV.as_bytes(), &CsvOptions::default()).unwrap()
    }

    fn predict(rule: &str) -> Vec<bool> {
        Rule::parse(rule).unwrap().predict(&table()).unwrap()
    }

    fn error(rule: &str) -> String {
        match Rule::parse(rule).and_then(|r| r.predict(&table())) {
            Ok(p) => panic!("`{rule}` should fail, predicted {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn numeric_comparisons_and_conjunction() {
        assert_eq!(
            predict("income > 50000 and age < 30"),
            [true, false, false, false]
        );
        assert_eq!(
            predict("age >= 25 and age <= 28"),
            [true, false, false, true]
        );
        assert_eq!(
            predict("score == 0.5 or age != 22"),
            [true, false, true, true]
        );
    }

    #[test]
    fn strings_booleans_and_not() {
        assert_eq!(
            predict(r#"country == "FR" or not churned"#),
            [true, false, true, true]
        );
        assert_eq!(predict("churned"), [false, true, false, false]);
        assert_eq!(predict("churned == false"), [true, false, false, true]);
    }

    #[test]
    fn nulls_are_unknown_and_unknown_is_negative() {
        // Row 3: churned is null, so `not churned` is unknown → negative.
        assert_eq!(predict("not churned"), [true, false, false, true]);
        // Row 4: income is null; `unknown or true` is true.
        assert_eq!(predict("income > 0 or age > 26"), [true, true, true, true]);
        // `unknown and false` is false; `not (unknown and false)` is true.
        assert_eq!(
            predict("not (income > 0 and age > 100)"),
            [true, true, true, true]
        );
        assert_eq!(predict("income is null"), [false, false, false, true]);
        assert_eq!(
            predict("country is not null and churned is not null"),
            [true, true, false, false]
        );
    }

    #[test]
    fn comparisons_may_take_two_columns_or_a_value_first() {
        assert_eq!(predict("age < income"), [true, true, true, false]);
        assert_eq!(predict("30 > age"), [true, true, false, true]);
    }

    #[test]
    fn unknown_columns_are_named_with_the_alternatives() {
        assert_eq!(
            error("income > 1 and agee < 3"),
            "position 16: no column named `agee` (columns: income, age, country, churned, score)"
        );
    }

    #[test]
    fn type_mismatches_name_both_sides() {
        assert_eq!(
            error("country > 3"),
            "position 9: cannot compare column `country` (string) with number `3` using `>`"
        );
        assert_eq!(
            error(r#"country < "FR""#),
            "position 9: cannot compare column `country` (string) with string \"FR\" using `<` \
             (strings and booleans support only `==` and `!=`)"
        );
        assert_eq!(
            error("income and age < 3"),
            "position 1: column `income` (int64) is not a condition; compare it with a value \
             (e.g. `income > 0`)"
        );
        assert_eq!(
            error("age == null"),
            "position 8: compare with null using `is null` or `is not null`"
        );
        assert_eq!(
            error("(age > 1) == true"),
            "position 2: a condition cannot be compared; comparisons take columns and values"
        );
    }

    #[test]
    fn empty_rules_are_refused() {
        assert_eq!(Rule::parse("   ").unwrap_err(), RuleError::Empty);
    }
}
