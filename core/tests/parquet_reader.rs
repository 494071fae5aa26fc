//! The Parquet reader (feature `parquet`):
//!     cargo test -p lockstep-core --features parquet --test parquet_reader
#![cfg(feature = "parquet")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

use lockstep_core::table::{ColumnData, CsvOptions, DataType, Table, TableError};
use lockstep_core::transform::{self, PipelineSpec};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/transforms")
}

fn read(name: &str) -> Result<Table, TableError> {
    Table::from_parquet(&std::fs::read(data_dir().join(name)).unwrap())
}

fn csv(name: &str) -> Table {
    Table::from_csv(
        &std::fs::read(data_dir().join(name)).unwrap(),
        &CsvOptions::default(),
    )
    .unwrap()
}

#[test]
fn parquet_written_by_pandas_gives_the_same_features_as_csv() {
    let case: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data_dir().join("cases/combined.json")).unwrap())
            .unwrap();
    let spec = PipelineSpec::from_json(&case["spec"].to_string()).unwrap();
    let train = read("train.parquet").unwrap();
    let types: Vec<DataType> = train.columns().iter().map(|c| c.data_type()).collect();
    assert_eq!(
        types,
        csv("train.csv")
            .columns()
            .iter()
            .map(|c| c.data_type())
            .collect::<Vec<_>>()
    );
    let from_parquet = transform::fit(&spec, &train).unwrap();
    let from_csv = transform::fit(&spec, &csv("train.csv")).unwrap();
    assert_eq!(from_parquet.fingerprint(), from_csv.fingerprint());
    let a = transform::apply(&from_parquet, &read("test.parquet").unwrap()).unwrap();
    let b = transform::apply(&from_csv, &csv("test.csv")).unwrap();
    assert_eq!(a.to_le_bytes(), b.to_le_bytes());
}

#[test]
fn dictionaries_small_integers_float32_and_nullable_booleans() {
    let table = read("types.parquet").unwrap();
    let ColumnData::Str(cat) = table.column("cat").unwrap().data() else {
        panic!("a dictionary of strings should be a string column");
    };
    assert_eq!(
        (0..4).map(|r| cat.get(r)).collect::<Vec<_>>(),
        [Some("b"), Some("a"), None, Some("b")]
    );
    assert_eq!(
        table.column("small").unwrap().data(),
        &ColumnData::Int64(vec![Some(1), Some(2), Some(3), Some(255)].into())
    );
    // NaN is read as null, as pandas means it.
    assert_eq!(
        table.column("f32").unwrap().data(),
        &ColumnData::Float64(vec![Some(0.5), None, Some(-1.25), Some(2.0)].into())
    );
    assert_eq!(
        table.column("flag").unwrap().data(),
        &ColumnData::Bool(vec![Some(true), None, Some(false), Some(true)].into())
    );
}

#[test]
fn unsupported_types_and_bad_bytes_are_errors() {
    let err = read("unsupported.parquet").unwrap_err();
    assert!(
        matches!(err, TableError::UnsupportedParquetType { ref column, ref data_type } if column == "when" && data_type.starts_with("Timestamp")),
        "{err}"
    );
    let err = Table::from_parquet(b"PAR1 certainly not parquet").unwrap_err();
    assert!(matches!(err, TableError::Parquet { .. }), "{err}");
}

/// Issue 19 (fuzzing): a Parquet file on which the `parquet` crate's page decoder
/// panics (found by `fuzz/` target `table_parquet`) is a named error, not a crash. Core's
/// walk of the page headers now refuses it before the decoder runs (a header that runs
/// past its column chunk); a panic the walk does not foresee is still caught
/// (`catch_decoder_panic`).
#[test]
fn a_file_the_parquet_decoder_panics_on_is_a_named_error() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/fuzz/table_parquet-decoder-panic.parquet");
    let err = Table::from_parquet(&std::fs::read(path).unwrap()).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "cannot read the Parquet input: the file is malformed: a page header of column \
             `log_format` in row group 1 (at byte 10933) runs past the end of its column chunk"
        ),
        "{err}"
    );
}

fn columns(table: &Table) -> Vec<(String, ColumnData)> {
    table
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), c.data().clone()))
        .collect()
}

/// gzip and LZ4 pages (scripts/fixtures/gen_parquet_codecs.py: pyarrow rewrote
/// train.parquet with each codec, in 3 row groups) read to the same table as snappy.
#[test]
fn gzip_and_lz4_pages_read_as_snappy_ones() {
    let snappy = columns(&read("train.parquet").unwrap());
    for codec in ["gzip", "lz4"] {
        let table = read(&format!("codecs/train_{codec}.parquet")).unwrap();
        assert_eq!(table.num_rows(), 400, "{codec}");
        assert_eq!(columns(&table), snappy, "{codec}");
    }
}

/// Codecs left out of the build (Brotli, ZSTD) are refused by name, not a decoder error.
#[test]
fn brotli_and_zstd_pages_are_a_named_error() {
    for (file, name) in [("brotli", "Brotli"), ("zstd", "ZSTD")] {
        let err = read(&format!("codecs/train_{file}.parquet")).unwrap_err();
        assert!(
            matches!(err, TableError::UnsupportedParquetCodec { ref column, codec } if column == "age" && codec == name),
            "{err}"
        );
        assert!(
            err.to_string().contains(&format!(
                "is compressed with {name}, which Lockstep does not read"
            )),
            "{err}"
        );
    }
}

/// Found by `fuzz/` target `table_parquet` (a 10-minute run): row groups whose declared
/// row counts are negative or add up past `i64::MAX` overflowed the reader's sum (a panic
/// natively, an abort in the page's wasm32 build). It is a named error naming the group.
#[test]
fn row_group_counts_that_overflow_are_a_named_error() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/fuzz/table_parquet-row-count-overflow.parquet");
    let err = Table::from_parquet(&std::fs::read(path).unwrap()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot read the Parquet input: the file is malformed: row group "),
        "{err}"
    );
}

/// Found by `fuzz/` target `table_parquet` (a 10-minute run): a 1.2 KB file whose footer
/// declares a huge list of booleans made the `parquet` crate's Thrift skipper loop for
/// minutes (> 100 s; it takes a boolean list element as zero bytes). Core's walk of the
/// footer refuses the count by name, at once.
#[test]
fn a_footer_list_longer_than_the_footer_is_a_named_error_not_a_hang() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/fuzz/table_parquet-bool-list-hang.parquet");
    let start = std::time::Instant::now();
    let err = Table::from_parquet(&std::fs::read(path).unwrap()).unwrap_err();
    assert!(
        err.to_string().contains("its footer declares a list of"),
        "{err}"
    );
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}

/// The guard every call into the `parquet` crate goes through: a panic inside it (the
/// crate's page decoder has `expect`s that malformed pages reach) is an error naming the
/// decoder and quoting its message, natively.
#[test]
fn a_panic_in_the_decoder_is_an_error() {
    let err = lockstep_core::table::catch_decoder_panic(|| -> u8 {
        panic!("index out of bounds: the len is 3 but the index is 7")
    })
    .unwrap_err();
    assert_eq!(
        err,
        "the file is malformed (the Parquet decoder failed: index out of bounds: the len is 3 \
         but the index is 7)"
    );
    assert_eq!(lockstep_core::table::catch_decoder_panic(|| 7), Ok(7));
}

/// Found by `fuzz/` target `table_parquet` (the 10-minute run after the page-header
/// walk): definition levels that send `arrow-buffer`'s bit iterator past its buffer (an
/// assertion, a panic inside the decoder). Natively it is the guard's named error; the
/// fuzz target now lets panics in the `arrow-*` crates reach the guard as it does the
/// `parquet` crate's.
#[test]
fn a_panic_in_arrow_buffer_under_the_decoder_is_a_named_error() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/fuzz/table_parquet-arrow-buffer-panic.parquet");
    let err = Table::from_parquet(&std::fs::read(path).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read the Parquet input: the file is malformed (the Parquet decoder failed: \
         offset + len out of bounds)"
    );
}

/// Found by `fuzz/` target `table_parquet` (the 10-minute run after the page-header
/// walk): a 16 KB file whose page header declares 2 GB once decompressed; the `parquet`
/// crate allocates that before it decompresses (an out-of-memory under the fuzzer's
/// limit; past the 4 GB wasm32 memory in the page). No codec Lockstep reads expands a
/// page more than 1,032-fold, so the walk refuses the header, naming the column.
#[test]
fn a_page_declaring_more_than_any_codec_expands_is_a_named_error() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/fuzz/table_parquet-page-size-oom.parquet");
    let err = Table::from_parquet(&std::fs::read(path).unwrap()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(
            "cannot read the Parquet input: the file is malformed: a page header of column `"
        ) && message.contains("bytes once decompressed from")
            && message.ends_with("compressed, more than any codec expands"),
        "{err}"
    );
}

/// Found by `fuzz/` target `table_parquet` (run 3, and the 10-s smoke after its fix):
/// the same Thrift skipper bug in a column chunk's page headers took > 5 s on a 38 KB
/// file — a list of 2^31 booleans, and a map of 2^31 UUIDs read past the chunk's end,
/// where the `parquet` crate takes each as zero bytes. Core walks every page header
/// before decoding and refuses, naming the column and row group at once, a list longer
/// than the bytes left and a header that runs past its chunk.
#[test]
fn a_page_header_list_longer_than_its_chunk_is_a_named_error_not_a_hang() {
    for name in [
        "table_parquet-page-header-bool-list-hang.parquet",
        "table_parquet-page-header-uuid-map-hang.parquet",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/fuzz")
            .join(name);
        let start = std::time::Instant::now();
        let err = Table::from_parquet(&std::fs::read(path).unwrap()).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(
                "cannot read the Parquet input: the file is malformed: a page header of column `"
            ) && message.contains("` in row group ")
                && (message.contains("declares a list of")
                    || message.contains("runs past the end of its column chunk")),
            "{name}: {err}"
        );
        assert!(
            start.elapsed().as_secs() < 5,
            "{name}: {:?}",
            start.elapsed()
        );
    }
}

/// Batch by batch (the page's columnar module): the batches, assembled, are the table
/// `from_parquet` reads, for batch sizes below, at and above the file's rows; a bad file
/// is the same named error.
#[test]
fn batches_assemble_into_the_table_from_parquet_reads() {
    use lockstep_core::table::wire::{Assembler, encode_part};
    let dir = data_dir();
    let mut files = vec![dir.join("test.parquet")];
    files.extend(
        std::fs::read_dir(dir.join("codecs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet") && read_path(p).is_ok()),
    );
    assert!(files.len() > 2, "{files:?}");
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let whole = Table::from_parquet(&bytes).unwrap();
        for rows in [7, whole.num_rows(), 100_000] {
            let mut assembler = Assembler::new();
            let mut sizes = Vec::new();
            Table::for_each_parquet_batch(&bytes, rows, |batch, total| {
                assert_eq!(total, whole.num_rows());
                sizes.push(batch.num_rows());
                assembler.push(&encode_part(&batch, total))
            })
            .unwrap();
            assert!(
                sizes.iter().all(|n| *n <= rows.max(1)),
                "{path:?}: {sizes:?}"
            );
            assert_eq!(
                assembler.finish().unwrap(),
                whole,
                "{path:?}, {rows} rows a batch"
            );
        }
    }
    let bad = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/fuzz/table_parquet-decoder-panic.parquet"),
    )
    .unwrap();
    let err = Table::for_each_parquet_batch(&bad, 64, |_, _| Ok(())).unwrap_err();
    assert_eq!(err, Table::from_parquet(&bad).unwrap_err());
}

fn read_path(path: &Path) -> Result<Table, TableError> {
    Table::from_parquet(&std::fs::read(path).unwrap())
}
