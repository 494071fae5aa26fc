//! The Arrow IPC reader (feature `parquet`), on files written by pyarrow
//! (scripts/fixtures/gen_arrow_ipc.py → tests/data/arrow), and fuzz findings (tests/data/fuzz):
//!     cargo test -p lockstep-core --features parquet --test arrow_ipc
#![cfg(feature = "parquet")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on broken fixtures

use std::path::{Path, PathBuf};

use lockstep_core::table::{ColumnData, IpcFormat, Table, TableError};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(dir("arrow").join(name)).unwrap()
}

fn parquet(name: &str) -> Table {
    Table::from_parquet(&std::fs::read(dir("transforms").join(name)).unwrap()).unwrap()
}

/// Column by column: name, type and every value.
fn assert_same(what: &str, a: &Table, b: &Table) {
    assert_eq!(a.num_rows(), b.num_rows(), "{what}: rows");
    let names = |t: &Table| t.column_names().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "{what}: columns");
    for (x, y) in a.columns().iter().zip(b.columns()) {
        assert_eq!(
            x.data_type(),
            y.data_type(),
            "{what}: type of `{}`",
            x.name()
        );
        assert_eq!(x.data(), y.data(), "{what}: values of `{}`", x.name());
    }
}

#[test]
fn file_stream_and_feather_written_by_pyarrow_read_as_the_parquet_twin() {
    // train.parquet is itself checked against train.csv (tests/parquet_reader.rs).
    let reference = parquet("train.parquet");
    for (name, format) in [
        ("train.arrow", IpcFormat::File),
        ("train.arrows", IpcFormat::Stream),
        ("train_lz4.feather", IpcFormat::File),
        ("train_lz4.arrows", IpcFormat::Stream),
    ] {
        let b = bytes(name);
        assert_eq!(IpcFormat::of(&b), format, "{name}");
        let table = Table::from_arrow_ipc(&b).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_same(name, &table, &reference);
    }
}

#[test]
fn dictionaries_small_integers_float32_and_nullable_booleans() {
    let table = Table::from_arrow_ipc(&bytes("types.arrow")).unwrap();
    assert_same("types.arrow", &table, &parquet("types.parquet"));
    // The same with LZ4 buffers: compressed dictionary batches are decompressed too.
    let lz4 = Table::from_arrow_ipc(&bytes("types_lz4.arrow")).unwrap();
    assert_same("types_lz4.arrow", &lz4, &table);
    // NaN is read as null, as pandas means it (as from Parquet).
    assert_eq!(
        table.column("f32").unwrap().data(),
        &ColumnData::Float64(vec![Some(0.5), None, Some(-1.25), Some(2.0)].into())
    );
}

#[test]
fn unsupported_types_and_codecs_are_named() {
    let err = Table::from_arrow_ipc(&bytes("unsupported.arrow")).unwrap_err();
    assert!(
        matches!(err, TableError::UnsupportedParquetType { ref column, ref data_type } if column == "when" && data_type.starts_with("Timestamp")),
        "{err:?}"
    );
    let err = Table::from_arrow_ipc(&bytes("train_zstd.arrow")).unwrap_err();
    assert!(
        matches!(err, TableError::ArrowIpc { format: "file", ref message } if message.contains("ZSTD-compressed Arrow is not read")),
        "{err:?}"
    );
    let err = Table::from_arrow_ipc(b"FEA1\0\0\0\0 old feather").unwrap_err();
    assert!(err.to_string().contains("Feather v1"), "{err}");
    let err = Table::from_arrow_ipc(b"").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot read the Arrow IPC stream: the input is empty"
    );
    let err = Table::from_arrow_ipc(b"a,b\n1,2\n").unwrap_err();
    assert!(
        matches!(
            err,
            TableError::ArrowIpc {
                format: "stream",
                ..
            }
        ),
        "{err:?}"
    );
}

/// Every prefix of each file, and each file with one byte flipped at a time (a
/// stride of positions), is read or refused with a named error: never a panic,
/// never a wrong table of the full length.
#[test]
fn truncated_and_corrupted_files_are_named_errors() {
    for name in [
        "train.arrow",
        "train.arrows",
        "train_lz4.feather",
        "train_lz4.arrows",
        "types.arrow",
        "types_lz4.arrow",
    ] {
        let good = bytes(name);
        let full = Table::from_arrow_ipc(&good).unwrap();
        for len in (0..good.len()).step_by(7) {
            match Table::from_arrow_ipc(&good[..len]) {
                Err(TableError::ArrowIpc { .. } | TableError::UnsupportedParquetType { .. }) => {}
                // A stream cut between two batches is a shorter, valid stream; one cut
                // inside its 8-byte end-of-stream marker is the whole stream.
                Ok(t) => assert!(
                    t.num_rows() < full.num_rows() || len + 8 > good.len(),
                    "{name} cut at {len}"
                ),
                Err(other) => panic!("{name} cut at {len}: unexpected error {other:?}"),
            }
        }
        for pos in (0..good.len()).step_by(13) {
            let mut bad = good.clone();
            bad[pos] ^= 0x5a;
            // Either an error or a table (a flipped value byte is still a value).
            let _ = Table::from_arrow_ipc(&bad);
        }
    }
}

/// Regression: a compressed buffer whose size prefix claims terabytes made the decoder
/// allocate them up front (an abort natively, a dead worker in the page); it is a
/// named error before any decoding.
#[test]
fn an_lz4_size_prefix_beyond_what_lz4_can_expand_is_named() {
    let mut bytes = bytes("train_lz4.feather");
    // A compressed buffer: an 8-byte little-endian size, then the LZ4 frame magic.
    let at = bytes
        .windows(12)
        .position(|w| {
            w[8..] == [0x04, 0x22, 0x4d, 0x18] && i64::from_le_bytes(w[..8].try_into().unwrap()) > 0
        })
        .expect("an LZ4 frame in the fixture");
    bytes[at..at + 8].copy_from_slice(&(1i64 << 45).to_le_bytes());
    let err = Table::from_arrow_ipc(&bytes).unwrap_err();
    assert!(
        matches!(err, TableError::ArrowIpc { format: "file", ref message } if message.contains("claims 35184372088832 bytes uncompressed")),
        "{err:?}"
    );
}

/// Found by the `table_arrow_ipc` fuzz target: a footer block whose declared body lies
/// far past the end of the file made the decoder allocate ≈ 1.5 TB up front (an abort
/// natively, a dead worker in the page). It is a named error before any decoding.
#[test]
fn a_footer_block_past_the_end_of_the_file_is_named() {
    let bytes = std::fs::read(dir("fuzz").join("table_arrow_ipc-huge-block.arrow")).unwrap();
    let err = Table::from_arrow_ipc(&bytes).unwrap_err();
    assert!(
        matches!(err, TableError::ArrowIpc { format: "file", ref message } if message.contains("lies outside the file") || message.contains("past the end of the input")),
        "{err:?}"
    );
}

/// The same check for the stream format: a message whose declared body runs past the
/// end of the input is named instead of allocated.
#[test]
fn a_stream_message_with_a_body_past_the_end_is_named() {
    let mut bytes = bytes("train.arrows");
    // Cut the stream inside its first record batch's body.
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    let err = Table::from_arrow_ipc(&bytes).unwrap_err();
    assert!(
        matches!(err, TableError::ArrowIpc { format: "stream", ref message } if message.contains("past the end of the input")),
        "{err:?}"
    );
}

/// Found by the `table_arrow_ipc` fuzz target: a compressed buffer whose declared length
/// runs past its record batch's body widened the LZ4 bound, and the decoder was asked for
/// 20 GB. The bound now counts only the bytes the body really holds.
#[test]
fn an_lz4_claim_measured_against_a_length_past_the_body_is_named() {
    let bytes = std::fs::read(dir("fuzz").join("table_arrow_ipc-lz4-claim.arrow")).unwrap();
    let err = Table::from_arrow_ipc(&bytes).unwrap_err();
    assert!(
        matches!(err, TableError::ArrowIpc { format: "file", .. }),
        "{err:?}"
    );
}

/// Found by the `table_arrow_ipc` fuzz target: an LZ4 size claim that the old pre-check's
/// walk of the file did not reach made arrow-ipc allocate ≈ 1 TB up front (an abort; the
/// input was kept open in tests/data/fuzz/open/). Compressed buffers are now
/// decompressed by core itself, into a buffer that grows with what the frames give, and
/// arrow-ipc (built without `lz4`) never sizes an allocation from a claim.
#[test]
fn an_lz4_claim_outside_the_old_pre_check_is_a_named_error_not_a_terabyte() {
    let bytes = std::fs::read(dir("fuzz").join("table_arrow_ipc-lz4-claim-2.arrow")).unwrap();
    let err = Table::from_arrow_ipc(&bytes).unwrap_err();
    assert!(
        matches!(err, TableError::ArrowIpc { format: "file", .. }),
        "{err:?}"
    );
}

/// The position of each compressed buffer's 8-byte size prefix that is followed by an
/// LZ4 frame (its magic), in a fixture.
fn lz4_prefixes(bytes: &[u8]) -> Vec<usize> {
    bytes
        .windows(12)
        .enumerate()
        .filter(|(_, w)| {
            w[8..] == [0x04, 0x22, 0x4d, 0x18] && i64::from_le_bytes(w[..8].try_into().unwrap()) > 0
        })
        .map(|(at, _)| at)
        .collect()
}

/// Claims that LZ4 could meet but the frames do not: one byte more or less than the
/// frame gives is a named error (the decompressed size is checked, not trusted), in
/// both formats.
#[test]
fn an_lz4_claim_that_the_frame_does_not_give_is_named() {
    for name in ["train_lz4.feather", "train_lz4.arrows"] {
        let good = bytes(name);
        let at = lz4_prefixes(&good)[0];
        let claim = i64::from_le_bytes(good[at..at + 8].try_into().unwrap());
        for wrong in [claim - 1, claim + 1] {
            let mut bad = good.clone();
            bad[at..at + 8].copy_from_slice(&wrong.to_le_bytes());
            let err = Table::from_arrow_ipc(&bad).unwrap_err();
            assert!(
                matches!(err, TableError::ArrowIpc { ref message, .. } if message.contains("not the") && message.contains("it declares")),
                "{name}, claim {wrong} for {claim}: {err:?}"
            );
        }
    }
}

/// Every compressed buffer of the LZ4 fixtures with a claim of 2^45 bytes, one at a
/// time, in both formats: each is a named error, never an allocation of the claim.
#[test]
fn every_lz4_size_prefix_claiming_terabytes_is_named() {
    for name in ["train_lz4.feather", "train_lz4.arrows", "types_lz4.arrow"] {
        let good = bytes(name);
        let prefixes = lz4_prefixes(&good);
        assert!(!prefixes.is_empty(), "{name}: no LZ4 frame");
        for at in prefixes {
            let mut bad = good.clone();
            bad[at..at + 8].copy_from_slice(&(1i64 << 45).to_le_bytes());
            let err = Table::from_arrow_ipc(&bad).unwrap_err();
            assert!(
                matches!(err, TableError::ArrowIpc { ref message, .. } if message.contains("claims 35184372088832 bytes uncompressed")),
                "{name} at {at}: {err:?}"
            );
        }
    }
}
