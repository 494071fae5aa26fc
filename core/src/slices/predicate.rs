//! Predicates over one column and how columns are cut into them: one per value of a
//! categorical column (the most frequent ones, the rest as `other`), one per bucket
//! of a numeric column (quantile or given edges), and `null` where a column has nulls.
//!
//! A predicate has a short name (`region=EU`, `age=[30,45)`, `region=other`,
//! `age=null`) and a rule in the [expression language](crate::expr) that selects
//! the same rows.

use std::collections::HashMap;

use super::SliceError;
use super::bitset::Bitset;
use crate::table::{Column, ColumnData, ValueAt};

/// What one predicate keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The column's value, as text (`true`/`false` for booleans, integers plainly).
    Equals(String),
    /// A categorical value outside the named ones.
    Other(Vec<String>),
    /// `lower ≤ x < upper`; an open side is `None`.
    Range {
        lower: Option<f64>,
        upper: Option<f64>,
    },
    IsNull,
}

/// A condition on one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    pub column: String,
    pub condition: Condition,
}

fn number(v: f64) -> String {
    crate::report::contract::format_value(v)
}

fn quote_column(name: &str) -> String {
    let bare = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !matches!(
            name.to_ascii_lowercase().as_str(),
            "and" | "or" | "not" | "is" | "null" | "true" | "false"
        );
    if bare {
        name.to_owned()
    } else {
        format!("`{name}`")
    }
}

impl Predicate {
    /// `column=value`, `column=[lo,hi)`, `column=other`, `column=null`.
    pub fn name(&self) -> String {
        let value = match &self.condition {
            Condition::Equals(v) => v.clone(),
            Condition::Other(_) => "other".to_owned(),
            Condition::IsNull => "null".to_owned(),
            Condition::Range { lower, upper } => format!(
                "[{},{})",
                lower.map_or("-inf".to_owned(), number),
                upper.map_or("inf".to_owned(), number)
            ),
        };
        format!("{}={value}", self.column)
    }

    /// The same rows as a rule of [`crate::expr`].
    pub fn rule(&self, numeric: bool) -> String {
        let c = quote_column(&self.column);
        let literal = |v: &str| {
            if numeric || v == "true" || v == "false" {
                v.to_owned()
            } else {
                format!("\"{}\"", v.replace('"', "'"))
            }
        };
        match &self.condition {
            Condition::Equals(v) => format!("{c} == {}", literal(v)),
            Condition::Other(named) if named.is_empty() => format!("{c} is not null"),
            Condition::Other(named) => {
                let parts: Vec<String> = named
                    .iter()
                    .map(|v| format!("{c} != {}", literal(v)))
                    .collect();
                parts.join(" and ")
            }
            Condition::IsNull => format!("{c} is null"),
            Condition::Range { lower, upper } => {
                let mut parts = Vec::new();
                if let Some(l) = lower {
                    parts.push(format!("{c} >= {}", number(*l)));
                }
                if let Some(u) = upper {
                    parts.push(format!("{c} < {}", number(*u)));
                }
                if parts.is_empty() {
                    format!("{c} is not null")
                } else {
                    parts.join(" and ")
                }
            }
        }
    }
}

/// One column cut into predicates, each with its rows.
#[derive(Debug, Clone)]
pub struct CutColumn {
    pub predicates: Vec<Predicate>,
    pub rows: Vec<Bitset>,
    /// Compared as numbers in rules.
    pub numeric: bool,
}

/// How to cut a numeric column.
#[derive(Debug, Clone, PartialEq)]
pub enum Buckets {
    /// At most this many buckets at quantiles of the non-null values.
    Quantiles(usize),
    /// Given edges `e₀ < e₁ < …`: `(-inf,e₀)`, `[e₀,e₁)`, …, `[eₖ,inf)`.
    Edges(Vec<f64>),
}

/// Whether a column is read as categories: strings and booleans always; integers
/// with at most `max_categories` distinct values.
fn is_categorical(column: &Column, max_categories: usize) -> bool {
    match column.data() {
        ColumnData::Str(_) | ColumnData::Bool(_) => true,
        ColumnData::Int64(v) => {
            let mut seen = std::collections::HashSet::new();
            for x in v.iter().flatten() {
                seen.insert(x);
                if seen.len() > max_categories {
                    return false;
                }
            }
            true
        }
        ColumnData::Float64(_) => false,
    }
}

/// `n / q`-quantile edges (lower-interpolation) of the sorted `values`, deduplicated;
/// the first bucket starts at the minimum.
pub fn quantile_edges(sorted: &[f64], buckets: usize) -> Vec<f64> {
    let mut edges: Vec<f64> = Vec::new();
    if sorted.is_empty() {
        return edges;
    }
    for k in 1..buckets {
        let index = (k * sorted.len()) / buckets;
        let edge = sorted[index.min(sorted.len() - 1)];
        if edge > sorted[0] && edges.last().is_none_or(|&last| edge > last) {
            edges.push(edge);
        }
    }
    edges
}

/// Cuts `column` into predicates: categories (at most `max_categories` values by
/// frequency, ties by first appearance, then `other`) or numeric buckets, plus
/// `null` when the column has nulls.
pub fn cut(
    column: &Column,
    buckets: &Buckets,
    max_categories: usize,
) -> Result<CutColumn, SliceError> {
    let n = column.len();
    let name = column.name().to_owned();
    let mut nulls = Bitset::empty(n);
    let explicit_edges = matches!(buckets, Buckets::Edges(_));
    let categorical = !explicit_edges && is_categorical(column, max_categories);
    let mut out = CutColumn {
        predicates: Vec::new(),
        rows: Vec::new(),
        numeric: !matches!(column.data(), ColumnData::Str(_) | ColumnData::Bool(_)),
    };
    if categorical {
        // Codes per row (u32::MAX for null) and each code's text.
        let mut codes: Vec<u32> = Vec::with_capacity(n);
        let mut texts: Vec<String> = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut code_of = |text: String| -> u32 {
            let next = texts.len() as u32;
            *index.entry(text.clone()).or_insert_with(|| {
                texts.push(text);
                next
            })
        };
        match column.data() {
            ColumnData::Str(s) => {
                // Map dictionary codes once.
                let mut map: HashMap<u32, u32> = HashMap::new();
                for row in 0..n {
                    match s.code(row) {
                        Some(c) => {
                            let code = match map.get(&c) {
                                Some(&code) => code,
                                None => {
                                    let code = code_of(s.get(row).unwrap_or_default().to_owned());
                                    map.insert(c, code);
                                    code
                                }
                            };
                            codes.push(code);
                        }
                        None => codes.push(u32::MAX),
                    }
                }
            }
            ColumnData::Bool(v) => {
                let mut map: HashMap<bool, u32> = HashMap::new();
                for row in 0..n {
                    codes.push(v.value_at(row).map_or(u32::MAX, |b| {
                        *map.entry(b).or_insert_with(|| code_of(b.to_string()))
                    }));
                }
            }
            ColumnData::Int64(v) => {
                // Text only once per distinct value.
                let mut map: HashMap<i64, u32> = HashMap::new();
                for row in 0..n {
                    codes.push(v.value_at(row).map_or(u32::MAX, |x| {
                        *map.entry(x).or_insert_with(|| code_of(x.to_string()))
                    }));
                }
            }
            ColumnData::Float64(_) => {}
        }
        let mut counts = vec![0usize; texts.len()];
        for &c in &codes {
            if let Some(slot) = counts.get_mut(c as usize) {
                *slot += 1;
            }
        }
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
        let kept = order.len().min(max_categories);
        let mut slot_of = vec![usize::MAX; texts.len()];
        for (slot, &code) in order.iter().take(kept).enumerate() {
            slot_of[code] = slot;
        }
        let mut rows = vec![Bitset::empty(n); kept];
        let mut other = Bitset::empty(n);
        for (row, &c) in codes.iter().enumerate() {
            if c == u32::MAX {
                nulls.insert(row);
            } else if slot_of[c as usize] == usize::MAX {
                other.insert(row);
            } else {
                rows[slot_of[c as usize]].insert(row);
            }
        }
        for (slot, set) in rows.into_iter().enumerate() {
            out.predicates.push(Predicate {
                column: name.clone(),
                condition: Condition::Equals(texts[order[slot]].clone()),
            });
            out.rows.push(set);
        }
        if kept < order.len() {
            let named = order[..kept].iter().map(|&c| texts[c].clone()).collect();
            out.predicates.push(Predicate {
                column: name.clone(),
                condition: Condition::Other(named),
            });
            out.rows.push(other);
        }
    } else {
        let values: Vec<Option<f64>> = match column.data() {
            ColumnData::Int64(v) => v.iter().map(|x| x.map(|x| x as f64)).collect(),
            ColumnData::Float64(v) => v.iter().map(|x| x.filter(|x| !x.is_nan())).collect(),
            other => {
                return Err(SliceError::NotNumeric {
                    column: name,
                    data_type: other.data_type().name(),
                });
            }
        };
        let edges = match buckets {
            Buckets::Edges(edges) => {
                if edges.windows(2).any(|w| w[0] >= w[1]) || edges.iter().any(|e| !e.is_finite()) {
                    return Err(SliceError::BadEdges {
                        column: name,
                        edges: edges.clone(),
                    });
                }
                edges.clone()
            }
            Buckets::Quantiles(q) => {
                let mut sorted: Vec<f64> = values.iter().flatten().copied().collect();
                sorted.sort_unstable_by(f64::total_cmp);
                quantile_edges(&sorted, (*q).max(1))
            }
        };
        let mut rows = vec![Bitset::empty(n); edges.len() + 1];
        for (row, v) in values.iter().enumerate() {
            match v {
                None => nulls.insert(row),
                Some(x) => {
                    let bucket = edges.partition_point(|e| e <= x);
                    rows[bucket].insert(row);
                }
            }
        }
        for (bucket, set) in rows.into_iter().enumerate() {
            if set.is_empty() && !explicit_edges {
                continue;
            }
            out.predicates.push(Predicate {
                column: name.clone(),
                condition: Condition::Range {
                    lower: bucket.checked_sub(1).map(|b| edges[b]),
                    upper: edges.get(bucket).copied(),
                },
            });
            out.rows.push(set);
        }
    }
    if !nulls.is_empty() {
        out.predicates.push(Predicate {
            column: name,
            condition: Condition::IsNull,
        });
        out.rows.push(nulls);
    }
    Ok(out)
}
