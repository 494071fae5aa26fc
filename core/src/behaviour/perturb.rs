//! Column perturbations on raw table columns, before any pipeline: each builds a new
//! column (through `table::builder`, or a `take` of donor rows) that replaces the
//! original with [`crate::table::Table::with_column`], so categories and nulls reach the
//! model through the same pipeline code as serving.

use crate::metrics::bootstrap::SplitMix64;
use crate::table::builder::{BoolBuilder, Float64Builder, Int64Builder};
use crate::table::{Column, ColumnData, StrColumn, Table, TableError, UInt32Array, ValueAt};

/// A standard normal draw (Box–Muller, one of the pair).
pub(super) fn gaussian(rng: &mut SplitMix64) -> f64 {
    // 1 − u lies in (0, 1], so the logarithm is finite.
    let u = 1.0 - rng.next_f64();
    let v = rng.next_f64();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// A column's values as numbers (`None` for null); `None` for a non-numeric column.
pub(super) fn numbers(column: &Column) -> Option<Vec<Option<f64>>> {
    match column.data() {
        ColumnData::Float64(v) => Some(v.iter().collect()),
        ColumnData::Int64(v) => Some(v.iter().map(|x| x.map(|i| i as f64)).collect()),
        _ => None,
    }
}

/// The population standard deviation of the non-null values (0 when fewer than two).
pub(super) fn std_dev(values: &[Option<f64>]) -> f64 {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    if present.len() < 2 {
        return 0.0;
    }
    let n = present.len() as f64;
    let mean = present.iter().sum::<f64>() / n;
    (present.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt()
}

/// Where noisy values must stay: what a fitted pipeline accepts for a column.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct NoiseDomain {
    /// The pipeline was fitted on the column as integers and refuses floats there:
    /// noisy values are rounded to the nearest integer and the column stays Int64.
    pub integers: bool,
    /// Noisy values are clamped to this range (the tested rows' observed values when
    /// a pipeline runs: its steps, e.g. a log, may refuse values outside its data).
    pub range: Option<(f64, f64)>,
}

/// `values` with Gaussian noise of standard deviation `sd` (nulls stay null), kept in
/// `domain`; a Float64 column unless `domain.integers`. The draws are the same whatever
/// the domain.
pub(super) fn with_noise(
    name: &str,
    values: &[Option<f64>],
    sd: f64,
    rng: &mut SplitMix64,
    domain: NoiseDomain,
) -> Column {
    let mut noisy = |x: f64| {
        let y = x + sd * gaussian(rng);
        match domain.range {
            Some((lo, hi)) => y.clamp(lo, hi),
            None => y,
        }
    };
    if domain.integers {
        let mut builder = Int64Builder::with_capacity(values.len());
        for v in values {
            // Finite: an integer plus finite noise; `as` saturates at the i64 range.
            builder.push(v.map(|x| noisy(x).round() as i64));
        }
        return Column::new(name, ColumnData::Int64(builder.finish()));
    }
    let mut builder = Float64Builder::with_capacity(values.len());
    for v in values {
        builder.push(v.map(&mut noisy));
    }
    Column::new(name, ColumnData::Float64(builder.finish()))
}

/// `column` raised by `delta`: integers stay integers when `delta` is integral (and
/// the sum fits), else the column becomes float. Nulls stay null.
pub(super) fn shifted(column: &Column, delta: f64) -> Column {
    let data = match column.data() {
        ColumnData::Int64(v) if delta.fract() == 0.0 && delta.abs() < 9.0e15 => {
            let d = delta as i64;
            let mut builder = Int64Builder::with_capacity(v.len());
            for x in v.iter() {
                builder.push(x.and_then(|x| x.checked_add(d)));
            }
            ColumnData::Int64(builder.finish())
        }
        _ => {
            let values = numbers(column).unwrap_or_default();
            let mut builder = Float64Builder::with_capacity(values.len());
            for x in values {
                builder.push(x.map(|x| x + delta));
            }
            ColumnData::Float64(builder.finish())
        }
    };
    Column::new(column.name(), data)
}

/// `column` with the rows where `null` is true set to null (all rows when `null`
/// is `None`); the type is kept.
pub(super) fn with_nulls(column: &Column, null: Option<&[bool]>) -> Result<Column, TableError> {
    let n = column.len();
    let keep = |row: usize| null.is_some_and(|m| !m.get(row).copied().unwrap_or(true));
    let data = match column.data() {
        ColumnData::Float64(v) => {
            let mut b = Float64Builder::with_capacity(n);
            (0..n).for_each(|r| b.push(v.value_at(r).filter(|_| keep(r))));
            ColumnData::Float64(b.finish())
        }
        ColumnData::Int64(v) => {
            let mut b = Int64Builder::with_capacity(n);
            (0..n).for_each(|r| b.push(v.value_at(r).filter(|_| keep(r))));
            ColumnData::Int64(b.finish())
        }
        ColumnData::Bool(v) => {
            let mut b = BoolBuilder::with_capacity(n);
            (0..n).for_each(|r| b.push(v.value_at(r).filter(|_| keep(r))));
            ColumnData::Bool(b.finish())
        }
        ColumnData::Str(s) => {
            let codes: UInt32Array = (0..n).map(|r| s.code(r).filter(|_| keep(r))).collect();
            ColumnData::Str(StrColumn::try_new(s.dictionary().clone(), codes)?)
        }
    };
    Ok(Column::new(column.name(), data))
}

/// The rows `rows` of `column` (a donor row per row): how swaps, invariance values
/// and permutations build their column, through the table's `take`.
pub(super) fn take_column(column: &Column, rows: &[usize]) -> Result<Column, TableError> {
    let table = Table::new(vec![column.clone()])?.take(rows)?;
    Ok(table.columns()[0].clone())
}

/// The distinct non-null values of `column` (as text, in order of first appearance),
/// each with the first row that holds it, and each row's value index.
pub(super) struct Distinct {
    pub values: Vec<String>,
    pub first_row: Vec<usize>,
    pub of_row: Vec<Option<usize>>,
}

pub(super) fn distinct(column: &Column) -> Distinct {
    let mut index = std::collections::HashMap::new();
    let mut out = Distinct {
        values: Vec::new(),
        first_row: Vec::new(),
        of_row: Vec::with_capacity(column.len()),
    };
    for row in 0..column.len() {
        let slot = column.value_text(row).map(|text| {
            *index.entry(text.clone()).or_insert_with(|| {
                out.values.push(text);
                out.first_row.push(row);
                out.values.len() - 1
            })
        });
        out.of_row.push(slot);
    }
    out
}

/// For each row, a donor row holding another observed value, drawn uniformly among
/// the other values; `None` for a null row or a column of one value.
pub(super) fn swap_donors(d: &Distinct, rng: &mut SplitMix64) -> Vec<Option<usize>> {
    let k = d.values.len() as u64;
    d.of_row
        .iter()
        .map(|slot| {
            let own = (*slot)? as u64;
            if k < 2 {
                return None;
            }
            let mut other = rng.below(k - 1);
            if other >= own {
                other += 1;
            }
            d.first_row.get(other as usize).copied()
        })
        .collect()
}

/// A seeded permutation of `0..n` (Fisher–Yates).
pub(super) fn permutation(n: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        rows.swap(i, j);
    }
    rows
}

/// `k` of `n` rows drawn without replacement (a partial Fisher–Yates), ascending.
pub(super) fn sample_rows(n: usize, k: usize, rng: &mut SplitMix64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    let k = k.min(n);
    for i in 0..k {
        let j = i + rng.below((n - i) as u64) as usize;
        rows.swap(i, j);
    }
    rows.truncate(k);
    rows.sort_unstable();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_has_the_requested_spread_and_keeps_nulls() {
        let values: Vec<Option<f64>> = (0..20_000).map(|i| (i % 7 != 0).then_some(1.0)).collect();
        let mut rng = SplitMix64::new(1);
        let column = with_noise("x", &values, 2.0, &mut rng, NoiseDomain::default());
        let noisy = numbers(&column).unwrap();
        assert_eq!(
            noisy.iter().filter(|v| v.is_none()).count(),
            20_000usize.div_ceil(7)
        );
        let sd = std_dev(&noisy);
        assert!((sd - 2.0).abs() < 0.05, "{sd}");
    }

    #[test]
    fn noise_in_a_domain_clamps_and_rounds_the_same_draws() {
        let values: Vec<Option<f64>> = (0..1_000).map(|i| (i % 5 != 0).then_some(3.0)).collect();
        let floats = with_noise(
            "x",
            &values,
            1.5,
            &mut SplitMix64::new(9),
            NoiseDomain::default(),
        );
        let domain = NoiseDomain {
            integers: true,
            range: Some((1.0, 4.0)),
        };
        let ints = with_noise("x", &values, 1.5, &mut SplitMix64::new(9), domain);
        assert_eq!(ints.data_type(), crate::table::DataType::Int64);
        let (f, i) = (numbers(&floats).unwrap(), numbers(&ints).unwrap());
        for (f, i) in f.iter().zip(&i) {
            assert_eq!(f.map(|f| f.clamp(1.0, 4.0).round()), *i);
        }
        assert!(i.iter().flatten().any(|v| *v != 3.0));
        assert!(i.iter().flatten().all(|v| (1.0..=4.0).contains(v)));
    }

    #[test]
    fn swaps_always_pick_another_observed_value() {
        let column = Column::new(
            "c",
            ColumnData::Str(StrColumn::from_values(["a", "b", "c", "a"].map(Some)).unwrap()),
        );
        let d = distinct(&column);
        let mut rng = SplitMix64::new(3);
        for _ in 0..50 {
            let donors = swap_donors(&d, &mut rng);
            let rows: Vec<usize> = donors.iter().map(|d| d.unwrap()).collect();
            let swapped = take_column(&column, &rows).unwrap();
            for r in 0..4 {
                assert_ne!(swapped.value_text(r), column.value_text(r));
            }
        }
    }

    #[test]
    fn samples_are_distinct_sorted_and_seeded() {
        let a = sample_rows(10_000, 1000, &mut SplitMix64::new(5));
        let b = sample_rows(10_000, 1000, &mut SplitMix64::new(5));
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a.len(), 1000);
    }
}
