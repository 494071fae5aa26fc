//! A rule checked against a table's columns, evaluated row by row with SQL's
//! three-valued logic (`None` is *unknown*).

use super::lexer::CompareOp;
use super::parser::{Expr, Literal};
use super::{RuleError, type_name};
use crate::table::{ColumnData, DataType, Table, ValueAt};

/// One side of a comparison.
#[derive(Debug)]
pub(super) enum Value {
    Column(usize),
    Number(f64),
    Str(String),
    Bool(bool),
}

/// The type both sides of a comparison must share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Str,
    Bool,
}

#[derive(Debug)]
pub(super) enum Condition {
    BoolColumn(usize),
    Constant(Option<bool>),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Compare {
        op: CompareOp,
        left: Value,
        right: Value,
    },
    IsNull {
        column: Option<usize>,
        negated: bool,
    },
}

fn column_index(table: &Table, name: &str, position: usize) -> Result<usize, RuleError> {
    table
        .columns()
        .iter()
        .position(|c| c.name() == name)
        .ok_or_else(|| RuleError::UnknownColumn {
            position,
            name: name.to_owned(),
            available: table.column_names().map(str::to_owned).collect(),
        })
}

fn kind_of(data_type: DataType) -> Kind {
    match data_type {
        DataType::Int64 | DataType::Float64 => Kind::Number,
        DataType::Str => Kind::Str,
        DataType::Bool => Kind::Bool,
    }
}

/// A side of a comparison: its value, its kind and how an error names it.
fn value(expr: &Expr, table: &Table) -> Result<(Value, Kind, String), RuleError> {
    match expr {
        Expr::Column { name, position } => {
            let index = column_index(table, name, *position)?;
            let data_type = table.columns()[index].data_type();
            Ok((
                Value::Column(index),
                kind_of(data_type),
                format!("column `{name}` ({})", type_name(data_type)),
            ))
        }
        Expr::Literal { value, position } => match value {
            Literal::Number(n) => Ok((Value::Number(*n), Kind::Number, format!("number `{n}`"))),
            Literal::Str(s) => Ok((Value::Str(s.clone()), Kind::Str, format!("string \"{s}\""))),
            Literal::Bool(b) => Ok((Value::Bool(*b), Kind::Bool, format!("`{b}`"))),
            Literal::Null => Err(RuleError::NullComparison {
                position: *position,
            }),
        },
        other => Err(RuleError::NotAValue {
            position: other.position(),
            what: "a condition".to_owned(),
        }),
    }
}

/// Type-checks `expr` against `table` and resolves its columns.
pub(super) fn compile(expr: &Expr, table: &Table) -> Result<Condition, RuleError> {
    Ok(match expr {
        Expr::Column { name, position } => {
            let index = column_index(table, name, *position)?;
            let data_type = table.columns()[index].data_type();
            if data_type != DataType::Bool {
                let example = match kind_of(data_type) {
                    Kind::Str => format!("{name} == \"…\""),
                    _ => format!("{name} > 0"),
                };
                return Err(RuleError::NotACondition {
                    position: *position,
                    what: format!("column `{name}` ({})", type_name(data_type)),
                    example,
                });
            }
            Condition::BoolColumn(index)
        }
        Expr::Literal { value, position } => match value {
            Literal::Bool(b) => Condition::Constant(Some(*b)),
            Literal::Null => Condition::Constant(None),
            Literal::Number(n) => {
                return Err(RuleError::NotACondition {
                    position: *position,
                    what: format!("number `{n}`"),
                    example: format!("column > {n}"),
                });
            }
            Literal::Str(s) => {
                return Err(RuleError::NotACondition {
                    position: *position,
                    what: format!("string \"{s}\""),
                    example: format!("column == \"{s}\""),
                });
            }
        },
        Expr::Not { operand, .. } => Condition::Not(Box::new(compile(operand, table)?)),
        Expr::And(a, b) => {
            Condition::And(Box::new(compile(a, table)?), Box::new(compile(b, table)?))
        }
        Expr::Or(a, b) => Condition::Or(Box::new(compile(a, table)?), Box::new(compile(b, table)?)),
        Expr::Compare {
            op,
            left,
            right,
            position,
        } => {
            let (left, left_kind, left_name) = value(left, table)?;
            let (right, right_kind, right_name) = value(right, table)?;
            let ordered = matches!(
                op,
                CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge
            );
            if left_kind != right_kind || (ordered && left_kind != Kind::Number) {
                return Err(RuleError::TypeMismatch {
                    position: *position,
                    op: *op,
                    left: left_name,
                    right: right_name,
                    hint: if left_kind == right_kind {
                        " (strings and booleans support only `==` and `!=`)"
                    } else {
                        ""
                    },
                });
            }
            Condition::Compare {
                op: *op,
                left,
                right,
            }
        }
        Expr::IsNull {
            operand, negated, ..
        } => match operand.as_ref() {
            Expr::Column { name, position } => Condition::IsNull {
                column: Some(column_index(table, name, *position)?),
                negated: *negated,
            },
            Expr::Literal { value, .. } => Condition::IsNull {
                column: None,
                // A literal is null only when it is `null` itself.
                negated: *negated == (*value == Literal::Null),
            },
            other => {
                return Err(RuleError::NotAValue {
                    position: other.position(),
                    what: "a condition".to_owned(),
                });
            }
        },
    })
}

/// A cell or literal, read for comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell<'a> {
    Number(f64),
    Str(&'a str),
    Bool(bool),
}

fn cell<'a>(value: &'a Value, table: &'a Table, row: usize) -> Option<Cell<'a>> {
    match value {
        Value::Number(n) => Some(Cell::Number(*n)),
        Value::Str(s) => Some(Cell::Str(s)),
        Value::Bool(b) => Some(Cell::Bool(*b)),
        Value::Column(index) => match table.columns().get(*index)?.data() {
            ColumnData::Int64(v) => v.value_at(row).map(|i| Cell::Number(i as f64)),
            ColumnData::Float64(v) => v.value_at(row).map(Cell::Number),
            ColumnData::Bool(v) => v.value_at(row).map(Cell::Bool),
            ColumnData::Str(s) => s.get(row).map(Cell::Str),
        },
    }
}

fn is_null(table: &Table, index: usize, row: usize) -> bool {
    table.columns().get(index).is_none_or(|c| match c.data() {
        ColumnData::Str(s) => s.get(row).is_none(),
        other => other.is_null(row),
    })
}

impl Condition {
    /// The rule's truth in `row`: `None` is unknown.
    pub(super) fn eval(&self, table: &Table, row: usize) -> Option<bool> {
        match self {
            Self::BoolColumn(index) => match table.columns().get(*index)?.data() {
                ColumnData::Bool(v) => v.value_at(row),
                _ => None,
            },
            Self::Constant(b) => *b,
            Self::Not(c) => c.eval(table, row).map(|b| !b),
            Self::And(a, b) => match (a.eval(table, row), b.eval(table, row)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Self::Or(a, b) => match (a.eval(table, row), b.eval(table, row)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Self::Compare { op, left, right } => {
                let (l, r) = (cell(left, table, row)?, cell(right, table, row)?);
                let ordering = match (l, r) {
                    (Cell::Number(a), Cell::Number(b)) => a.partial_cmp(&b)?,
                    (Cell::Str(a), Cell::Str(b)) => a.cmp(b),
                    (Cell::Bool(a), Cell::Bool(b)) => a.cmp(&b),
                    _ => return None,
                };
                Some(match op {
                    CompareOp::Eq => ordering.is_eq(),
                    CompareOp::Ne => ordering.is_ne(),
                    CompareOp::Lt => ordering.is_lt(),
                    CompareOp::Le => ordering.is_le(),
                    CompareOp::Gt => ordering.is_gt(),
                    CompareOp::Ge => ordering.is_ge(),
                })
            }
            Self::IsNull { column, negated } => {
                let null = column.is_none_or(|index| is_null(table, index, row));
                Some(null != *negated)
            }
        }
    }
}
