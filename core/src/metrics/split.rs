//! Deterministic eyeball / blackbox split by a stable hash of a row key.
//!
//! A row goes to the *eyeball* part (rows a person may look at while developing)
//! or the *blackbox* part (rows held out, only ever scored). The part depends on
//! nothing but the row's key, the seed and the fraction — not on row order, the
//! other rows, the platform or the Rust version — so the same row always lands in
//! the same part, and a row added later never moves an existing one.
//!
//! Hash (fixed forever; changing it would move rows between parts):
//! `h = mix64(FNV-1a-64(key bytes) ^ mix64(seed))`, where FNV-1a-64 uses offset
//! basis `0xcbf29ce484222325` and prime `0x100000001b3`, and `mix64` is
//! SplitMix64's finaliser. The row is eyeball when `(h >> 11) / 2⁵³ < fraction`.
//! A key is the cell's text as written in CSV: `42` hashes the same whether the
//! column was read as integers or strings (floats use Rust's shortest round-trip
//! form, booleans `true` / `false`).

use serde::Serialize;

use super::EvalError;
use super::bootstrap::mix64;
use crate::table::{Column, ColumnData};

/// Which part a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Eyeball,
    Blackbox,
}

/// The split's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SplitConfig {
    pub seed: u64,
    /// Share of keys sent to the eyeball part, in `[0, 1]`.
    pub eyeball_fraction: f64,
}

/// The rows of each part (0-based row indices, ascending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Split {
    pub eyeball: Vec<u32>,
    pub blackbox: Vec<u32>,
}

/// FNV-1a, 64-bit.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The stable hash of a key under a seed.
pub fn stable_hash(key: &[u8], seed: u64) -> u64 {
    mix64(fnv1a64(key) ^ mix64(seed))
}

fn check(config: &SplitConfig) -> Result<(), EvalError> {
    if (0.0..=1.0).contains(&config.eyeball_fraction) {
        Ok(())
    } else {
        Err(EvalError::InvalidParameter {
            parameter: "eyeball_fraction",
            value: config.eyeball_fraction,
            expected: "a share in [0, 1]",
        })
    }
}

/// The part of one key.
pub fn assign(key: &[u8], config: &SplitConfig) -> Part {
    let u = (stable_hash(key, config.seed) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    if u < config.eyeball_fraction {
        Part::Eyeball
    } else {
        Part::Blackbox
    }
}

/// Splits rows by their keys.
pub fn split_keys<'k>(
    keys: impl IntoIterator<Item = &'k [u8]>,
    config: &SplitConfig,
) -> Result<Split, EvalError> {
    check(config)?;
    let mut split = Split {
        eyeball: Vec::new(),
        blackbox: Vec::new(),
    };
    for (row, key) in keys.into_iter().enumerate() {
        match assign(key, config) {
            Part::Eyeball => split.eyeball.push(row as u32),
            Part::Blackbox => split.blackbox.push(row as u32),
        }
    }
    Ok(split)
}

/// Splits the rows of a table by the text of `column`'s cells. Nulls are an error.
pub fn split_column(column: &Column, config: &SplitConfig) -> Result<Split, EvalError> {
    check(config)?;
    let null = |row: usize| EvalError::NullKey {
        column: column.name().to_owned(),
        row,
    };
    let mut split = Split {
        eyeball: Vec::new(),
        blackbox: Vec::new(),
    };
    let place = |split: &mut Split, row: usize, part: Part| match part {
        Part::Eyeball => split.eyeball.push(row as u32),
        Part::Blackbox => split.blackbox.push(row as u32),
    };
    let mut text = String::new();
    match column.data() {
        ColumnData::Str(s) => {
            // Hash each distinct value once, then look rows up by code.
            let parts: Vec<Part> = s
                .dictionary()
                .iter()
                .map(|v| assign(v.unwrap_or("").as_bytes(), config))
                .collect();
            for (row, code) in s.codes().iter().enumerate() {
                let code = code.ok_or_else(|| null(row))? as usize;
                place(
                    &mut split,
                    row,
                    parts.get(code).copied().unwrap_or(Part::Blackbox),
                );
            }
        }
        ColumnData::Int64(v) => {
            for (row, x) in v.iter().enumerate() {
                let x = x.ok_or_else(|| null(row))?;
                text.clear();
                std::fmt::Write::write_fmt(&mut text, format_args!("{x}")).ok();
                place(&mut split, row, assign(text.as_bytes(), config));
            }
        }
        ColumnData::Float64(v) => {
            for (row, x) in v.iter().enumerate() {
                let x = x.ok_or_else(|| null(row))?;
                text.clear();
                std::fmt::Write::write_fmt(&mut text, format_args!("{x}")).ok();
                place(&mut split, row, assign(text.as_bytes(), config));
            }
        }
        ColumnData::Bool(v) => {
            for (row, x) in v.iter().enumerate() {
                let x = x.ok_or_else(|| null(row))?;
                place(
                    &mut split,
                    row,
                    assign(if x { b"true" } else { b"false" }, config),
                );
            }
        }
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_published_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn same_key_same_part_regardless_of_order_and_neighbours() {
        let config = SplitConfig {
            seed: 9,
            eyeball_fraction: 0.3,
        };
        let keys: Vec<String> = (0..1000).map(|i| format!("user-{i}")).collect();
        let a = split_keys(keys.iter().map(|k| k.as_bytes()), &config).unwrap();
        for (row, key) in keys.iter().enumerate().rev().step_by(7) {
            let part = assign(key.as_bytes(), &config);
            assert_eq!(part == Part::Eyeball, a.eyeball.contains(&(row as u32)));
        }
        let share = a.eyeball.len() as f64 / keys.len() as f64;
        assert!((share - 0.3).abs() < 0.05, "eyeball share {share}");
    }

    #[test]
    fn golden_assignments_never_change() {
        let config = SplitConfig {
            seed: 0,
            eyeball_fraction: 0.5,
        };
        assert_eq!(stable_hash(b"row-1", 0), GOLDEN_ROW_1);
        let parts: Vec<Part> = ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .map(|k| assign(k.as_bytes(), &config))
            .collect();
        assert_eq!(parts, GOLDEN_PARTS);
    }

    // Computed by an independent Python implementation of the documented hash.
    const GOLDEN_ROW_1: u64 = 120_240_866_209_981_125;
    const GOLDEN_PARTS: [Part; 8] = [
        Part::Eyeball,
        Part::Eyeball,
        Part::Eyeball,
        Part::Eyeball,
        Part::Blackbox,
        Part::Blackbox,
        Part::Eyeball,
        Part::Blackbox,
    ];
}
