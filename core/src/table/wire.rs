//! Tables as bytes between two instances of core: the page's Parquet and Arrow IPC
//! readers live in a second wasm module (`frontend/columnar`, fetched the first time such
//! a file is opened, so the app's bundle does not carry them), which hands the table to
//! the notebook's worker in chunks of rows. [`encode`] writes one chunk;
//! [`Assembler`] appends chunks, each checked, into one table with the same values,
//! bit for bit (floats keep their bits, strings their text, nulls their place).
//!
//! A chunk, all integers little-endian:
//! `b"LSTC"`, version `u8` (1), columns `u32`, rows `u64`, the whole table's rows `u64`
//! (so that the first chunk sizes the columns once: growing them by doubling would take
//! twice a large table's memory), then per column its name
//! (`u32` length + UTF-8), its type (`u8`: 0 bool, 1 int64, 2 float64, 3 string), a
//! validity flag (`u8`: 0 no nulls, 1 a bitmap of `ceil(rows / 8)` bytes follows, bit
//! `i % 8` of byte `i / 8` set for a valid row) and its values: booleans as a bitmap like
//! validity's, int64 and float64 as 8 bytes a row, strings as a dictionary (`u32`
//! entries, each a `u32` length + UTF-8) then a `u32` code a row (0 for a null row).

use arrow_array::Array;

use super::builder::ColumnBuilder;
use super::{Column, ColumnData, DataType, Table, TableError};

const MAGIC: &[u8; 4] = b"LSTC";
const VERSION: u8 = 1;

fn type_tag(data_type: DataType) -> u8 {
    match data_type {
        DataType::Bool => 0,
        DataType::Int64 => 1,
        DataType::Float64 => 2,
        DataType::Str => 3,
    }
}

/// `table` as one chunk, the whole table.
pub fn encode(table: &Table) -> Vec<u8> {
    encode_part(table, table.num_rows())
}

/// `table` as one chunk of a table of `total_rows` rows.
pub fn encode_part(table: &Table, total_rows: usize) -> Vec<u8> {
    let rows = table.num_rows();
    let mut out = Vec::with_capacity(16 + table.memory_bytes() + rows / 4);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    put_u32(&mut out, table.num_columns());
    out.extend_from_slice(&(rows as u64).to_le_bytes());
    out.extend_from_slice(&(total_rows.max(rows) as u64).to_le_bytes());
    for column in table.columns() {
        put_bytes(&mut out, column.name().as_bytes());
        let data = column.data();
        out.push(type_tag(data.data_type()));
        let array = data.as_arrow();
        if array.null_count() == 0 {
            out.push(0);
        } else {
            out.push(1);
            put_bits(&mut out, (0..rows).map(|i| array.is_valid(i)));
        }
        match data {
            ColumnData::Bool(v) => put_bits(&mut out, (0..rows).map(|i| v.value(i))),
            ColumnData::Int64(v) => v
                .values()
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            ColumnData::Float64(v) => v
                .values()
                .iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes())),
            ColumnData::Str(s) => {
                let dictionary = s.dictionary();
                put_u32(&mut out, dictionary.len());
                for i in 0..dictionary.len() {
                    put_bytes(&mut out, dictionary.value(i).as_bytes());
                }
                let codes = s.codes();
                for i in 0..rows {
                    let code = if codes.is_valid(i) { codes.value(i) } else { 0 };
                    out.extend_from_slice(&code.to_le_bytes());
                }
            }
        }
    }
    out
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    // Lengths here are of in-memory strings, dictionaries and column lists: a table
    // with 2^32 of any of them does not fit a wasm32 instance.
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_bits(out: &mut Vec<u8>, bits: impl Iterator<Item = bool>) {
    let mut byte = 0u8;
    let mut n = 0;
    for bit in bits {
        byte |= u8::from(bit) << (n % 8);
        n += 1;
        if n % 8 == 0 {
            out.push(byte);
            byte = 0;
        }
    }
    if n % 8 != 0 {
        out.push(byte);
    }
}

/// Appends chunks into one table. Every chunk after the first must have the first's
/// columns (names and types, in order); string dictionaries are merged (each chunk's
/// codes mapped onto one dictionary, entries in order of first appearance).
#[derive(Debug, Default)]
pub struct Assembler {
    columns: Vec<(String, ColumnBuilder)>,
    chunks: usize,
    rows: usize,
    limit: Option<usize>,
}

impl Assembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// An assembler that refuses, on the first chunk, a table whose columns would take
    /// more than `bytes` (8 bytes a number, 4 a string code, a bit a boolean or a null
    /// flag, dictionaries aside): a clear error before the memory runs out.
    pub fn with_limit(bytes: usize) -> Self {
        Self {
            limit: Some(bytes),
            ..Self::default()
        }
    }

    /// Rows appended so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Checks `chunk` and appends its rows. A malformed chunk is an error naming the
    /// chunk, the column and the byte at fault, and appends nothing.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TableError> {
        let at = self.chunks;
        let fail = |message: String| TableError::Chunk { chunk: at, message };
        let mut r = Reader {
            bytes: chunk,
            at: 0,
        };
        if r.take(4).map_err(&fail)? != MAGIC {
            return Err(fail("it does not start with `LSTC`".to_owned()));
        }
        let version = r.take(1).map_err(&fail)?[0];
        if version != VERSION {
            return Err(fail(format!("version {version}, expected {VERSION}")));
        }
        let columns = r.u32().map_err(&fail)? as usize;
        let rows = usize::try_from(r.u64().map_err(&fail)?)
            .map_err(|_| fail("its row count does not fit this machine".to_owned()))?;
        let total = usize::try_from(r.u64().map_err(&fail)?)
            .map_err(|_| fail("its table's row count does not fit this machine".to_owned()))?;
        if total < rows {
            return Err(fail(format!("{rows} rows of a table of {total}")));
        }
        if self.chunks > 0 && columns != self.columns.len() {
            return Err(fail(format!(
                "{columns} columns, but the first chunk has {}",
                self.columns.len()
            )));
        }
        // Decode every column before appending any, so a bad chunk leaves the
        // table as it was.
        let mut parts = Vec::with_capacity(columns.min(chunk.len()));
        for index in 0..columns {
            let name = r.string().map_err(&fail)?.to_owned();
            let column = |message: String| fail(format!("column `{name}`: {message}"));
            let data_type = match r.take(1).map_err(&fail)?[0] {
                0 => DataType::Bool,
                1 => DataType::Int64,
                2 => DataType::Float64,
                3 => DataType::Str,
                other => return Err(column(format!("unknown type tag {other}"))),
            };
            if let Some((expected, builder)) = self.columns.get(index)
                && (*expected != name || builder.data_type() != data_type)
            {
                return Err(column(format!(
                    "expected column {} to be `{expected}` ({}), found `{name}` ({})",
                    index + 1,
                    builder.data_type().name(),
                    data_type.name()
                )));
            }
            let validity = match r.take(1).map_err(&fail)?[0] {
                0 => None,
                1 => Some(r.take(rows.div_ceil(8)).map_err(&column)?),
                other => return Err(column(format!("unknown validity flag {other}"))),
            };
            let values = match data_type {
                DataType::Bool => Values::Bits(r.take(rows.div_ceil(8)).map_err(&column)?),
                DataType::Int64 | DataType::Float64 => {
                    Values::Words(r.take(rows.saturating_mul(8)).map_err(&column)?)
                }
                DataType::Str => {
                    let entries = r.u32().map_err(&column)? as usize;
                    // Each entry takes at least its 4-byte length.
                    if entries > r.left() / 4 {
                        return Err(column(format!(
                            "{entries} dictionary entries cannot fit in the {} bytes left",
                            r.left()
                        )));
                    }
                    let dictionary = (0..entries)
                        .map(|_| r.string())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(&column)?;
                    let codes = r.take(rows.saturating_mul(4)).map_err(&column)?;
                    let bad = codes.chunks_exact(4).enumerate().find(|(row, c)| {
                        let valid = validity.is_none_or(|v| bit(v, *row));
                        valid && u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize >= entries
                    });
                    if let Some((row, _)) = bad {
                        return Err(column(format!(
                            "row {row} holds a code past the {entries} dictionary entries"
                        )));
                    }
                    Values::Strings { dictionary, codes }
                }
            };
            parts.push((name, data_type, validity, values));
        }
        if r.left() > 0 {
            return Err(fail(format!("{} bytes follow the last column", r.left())));
        }
        if self.chunks == 0 {
            let bits: usize = parts
                .iter()
                .map(|(_, data_type, ..)| match data_type {
                    DataType::Bool => 2,
                    DataType::Int64 | DataType::Float64 => 65,
                    DataType::Str => 33,
                })
                .sum();
            let bytes = (total as u128 * bits as u128).div_ceil(8);
            if let Some(limit) = self.limit
                && bytes > limit as u128
            {
                return Err(TableError::TooLarge {
                    rows: total,
                    columns,
                    bytes: bytes as f64,
                    limit,
                });
            }
            self.columns = parts
                .iter()
                .map(|(name, data_type, ..)| (name.clone(), ColumnBuilder::new(*data_type, total)))
                .collect();
        }
        for ((name, builder), (_, _, validity, values)) in self.columns.iter_mut().zip(parts) {
            let valid = |row: usize| validity.is_none_or(|v| bit(v, row));
            match (builder, values) {
                (ColumnBuilder::Bool(b), Values::Bits(bits)) => {
                    (0..rows).for_each(|i| b.push(valid(i).then(|| bit(bits, i))));
                }
                (ColumnBuilder::Int64(b), Values::Words(words)) => {
                    for (i, w) in words.chunks_exact(8).enumerate() {
                        b.push(valid(i).then(|| i64::from_le_bytes(word(w))));
                    }
                }
                (ColumnBuilder::Float64(b), Values::Words(words)) => {
                    for (i, w) in words.chunks_exact(8).enumerate() {
                        b.push(valid(i).then(|| f64::from_le_bytes(word(w))));
                    }
                }
                (ColumnBuilder::Str(b), Values::Strings { dictionary, codes }) => {
                    let map = dictionary
                        .iter()
                        .map(|entry| b.intern(entry))
                        .collect::<Result<Vec<u32>, _>>()
                        .map_err(|full| full.for_column(name))?;
                    for (i, c) in codes.chunks_exact(4).enumerate() {
                        let code = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize;
                        b.push_code(valid(i).then(|| map[code]));
                    }
                }
                _ => unreachable!("the builders were made from the first chunk's types"),
            }
        }
        self.chunks += 1;
        self.rows += rows;
        Ok(())
    }

    /// The table: the chunks' rows in the order they came. An assembler given no chunk
    /// is an error (a reader always sends one, if only to carry the columns).
    pub fn finish(self) -> Result<Table, TableError> {
        if self.chunks == 0 {
            return Err(TableError::Chunk {
                chunk: 0,
                message: "no chunk came".to_owned(),
            });
        }
        Table::new(
            self.columns
                .into_iter()
                .map(|(name, builder)| Column::new(name, builder.finish()))
                .collect(),
        )
    }
}

enum Values<'a> {
    Bits(&'a [u8]),
    Words(&'a [u8]),
    Strings {
        dictionary: Vec<&'a str>,
        codes: &'a [u8],
    },
}

fn bit(bits: &[u8], i: usize) -> bool {
    bits[i / 8] >> (i % 8) & 1 == 1
}

fn word(w: &[u8]) -> [u8; 8] {
    [w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.left() {
            return Err(format!(
                "it ends at byte {} where {n} more bytes were expected",
                self.bytes.len()
            ));
        }
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(word(self.take(8)?)))
    }

    fn string(&mut self) -> Result<&'a str, String> {
        let start = self.at;
        let len = self.u32()? as usize;
        std::str::from_utf8(self.take(len)?)
            .map_err(|_| format!("the string at byte {start} is not valid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::StrColumn;
    use arrow_array::{BooleanArray, Float64Array, Int64Array};

    fn table() -> Table {
        Table::new(vec![
            Column::new(
                "b",
                ColumnData::Bool(BooleanArray::from(vec![Some(true), None, Some(false)])),
            ),
            Column::new(
                "i",
                ColumnData::Int64(Int64Array::from(vec![Some(-3), Some(i64::MAX), None])),
            ),
            Column::new(
                "f",
                ColumnData::Float64(Float64Array::from(vec![Some(-0.0), None, Some(1e-310)])),
            ),
            Column::new(
                "s",
                ColumnData::Str(
                    StrColumn::from_parts(&["x", "é"], vec![Some(1), None, Some(0)]).unwrap(),
                ),
            ),
        ])
        .unwrap()
    }

    fn bits(t: &Table) -> Vec<Vec<Option<u64>>> {
        t.columns()
            .iter()
            .map(|c| match c.data() {
                ColumnData::Float64(v) => v.iter().map(|x| x.map(f64::to_bits)).collect(),
                _ => vec![],
            })
            .collect()
    }

    #[test]
    fn chunks_assemble_into_the_same_table_bit_for_bit() {
        let t = table();
        let mut a = Assembler::new();
        for (offset, len) in [(0, 1), (1, 0), (1, 2)] {
            a.push(&encode(&t.slice(offset, len).unwrap())).unwrap();
        }
        assert_eq!(a.rows(), 3);
        let back = a.finish().unwrap();
        assert_eq!(back, t);
        assert_eq!(bits(&back), bits(&t));
    }

    #[test]
    fn string_dictionaries_of_chunks_merge_in_order_of_first_appearance() {
        let one = Table::new(vec![Column::new(
            "s",
            ColumnData::Str(StrColumn::from_parts(&["a", "b"], vec![Some(1), Some(0)]).unwrap()),
        )])
        .unwrap();
        let two = Table::new(vec![Column::new(
            "s",
            ColumnData::Str(StrColumn::from_parts(&["c", "a"], vec![Some(0), Some(1)]).unwrap()),
        )])
        .unwrap();
        let mut a = Assembler::new();
        a.push(&encode(&one)).unwrap();
        a.push(&encode(&two)).unwrap();
        let t = a.finish().unwrap();
        let ColumnData::Str(s) = t.column("s").unwrap().data() else {
            panic!("not a string column")
        };
        assert_eq!(s.entries().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [Some("b"), Some("a"), Some("c"), Some("a")]
        );
    }

    #[test]
    fn a_table_over_the_limit_is_refused_on_its_first_chunk() {
        let t = table();
        // 3 of 1,000,000 rows: the limit is checked against the whole table.
        let first = encode_part(&t, 1_000_000);
        let err = Assembler::with_limit(10_000_000).push(&first).unwrap_err();
        // 2 + 65 + 65 + 33 bits a row (values and null flags).
        assert_eq!(
            err.to_string(),
            "the table has 1000000 rows × 4 columns, about 21 MB in memory, more than this \
             page can hold (10 MB); evaluate it with `lockstep eval`, natively"
        );
        let mut a = Assembler::with_limit(100_000_000);
        a.push(&first).unwrap();
        assert_eq!(a.finish().unwrap(), t);
        let err = Assembler::new().push(&encode_part(&t, 2)).map(|_| ());
        assert!(
            err.is_ok(),
            "a total below the chunk's rows reads as the chunk's"
        );
    }

    #[test]
    fn a_malformed_chunk_is_named_and_appends_nothing() {
        let good = encode(&table());
        let mut a = Assembler::new();
        a.push(&good).unwrap();
        // Every truncation is an error, never a panic.
        for end in 0..good.len() {
            let err = a.push(&good[..end]).unwrap_err().to_string();
            assert!(err.starts_with("chunk 1 of the table"), "{err}");
        }
        // A code past the dictionary, in the last 4 bytes (row 2 of `s`).
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 4..].copy_from_slice(&7u32.to_le_bytes());
        let err = a.push(&bad).unwrap_err().to_string();
        assert!(
            err.contains("column `s`: row 2 holds a code past the 2 dictionary entries"),
            "{err}"
        );
        // Other columns than the first chunk's.
        let other = encode(&table().select(&["i", "b"]).unwrap());
        let err = a.push(&other).unwrap_err().to_string();
        assert!(
            err.contains("2 columns, but the first chunk has 4"),
            "{err}"
        );
        let renamed = Table::new(
            table()
                .columns()
                .iter()
                .map(|c| Column::new(format!("{}2", c.name()), c.data().clone()))
                .collect(),
        )
        .unwrap();
        let err = a.push(&encode(&renamed)).unwrap_err().to_string();
        assert!(
            err.contains("expected column 1 to be `b` (bool), found `b2` (bool)"),
            "{err}"
        );
        assert_eq!(a.rows(), 3);
        assert_eq!(a.finish().unwrap(), table());
        assert!(Assembler::new().finish().is_err());
    }
}
