//! Opening a Parquet file for the `parquet` crate's Arrow reader, after walking the
//! parts of it that crate's Thrift reader cannot be trusted with. Every Parquet reader
//! in the workspace (tables, serving logs in core, `lockstep skew`'s streaming reader)
//! opens through [`open_parquet`].
//!
//! The `parquet` crate skips a Thrift field it does not know element by element and
//! takes a boolean element of a list as zero bytes, so a list claiming 2^31 booleans
//! loops for minutes on a file of a few KB — in the footer (`fuzz/` target
//! `table_parquet`, `tests/data/fuzz/table_parquet-bool-list-hang.parquet`) and in a
//! column chunk's page headers (`tests/data/fuzz/table_parquet-page-header-bool-list-hang.parquet`).
//! [`ThriftWalk`] walks the compact-Thrift encoding of the footer and of every page
//! header first, where every list, set or map element takes at least one byte (as the
//! encoding says), and refuses a count larger than the bytes left; it is linear in the
//! bytes it walks. It also refuses a page header that runs past its column chunk, and a
//! page declaring more bytes once decompressed than any codec expands to (the crate
//! allocates that size up front). What it cannot follow is left to the decoder's own
//! errors.

use std::sync::Arc;

use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use parquet::file::reader::ChunkReader;

use super::parquet::catch_decoder_panic;

/// A page header is read from a window of this many bytes first (a header is tens of
/// bytes; statistics can make it longer: the window then grows 16-fold, up to the rest
/// of the chunk), so a file read from disk costs one small read per page.
const HEADER_WINDOW: u64 = 4 * 1024;

/// `file` (a [`bytes::Bytes`] or a `std::fs::File`) as an Arrow record batch reader's
/// builder, or why it cannot be read: a named error (`the file is malformed: …`) for
/// a list longer than its bytes in the footer or a page header, a row group's declared
/// row count that is negative or overflows; the `parquet` crate's own error otherwise.
/// A panic inside that crate is an error too (natively, see [`catch_decoder_panic`]).
pub fn open_parquet<R: ChunkReader + 'static>(
    file: R,
) -> Result<ParquetRecordBatchReaderBuilder<R>, String> {
    let io = |err: parquet::errors::ParquetError| err.to_string();
    check_footer(&file).map_err(io)??;
    let metadata = catch_decoder_panic(|| ParquetMetaDataReader::new().parse_and_finish(&file))?
        .map_err(io)?;
    check_row_counts(&metadata)?;
    check_page_headers(&file, &metadata).map_err(io)??;
    let metadata = catch_decoder_panic(|| {
        ArrowReaderMetadata::try_new(Arc::new(metadata), ArrowReaderOptions::default())
    })?
    .map_err(io)?;
    Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(
        file, metadata,
    ))
}

/// The walk of the footer (see the module's documentation). The outer error is an I/O
/// one; a footer that is not Parquet's is left to the decoder.
fn check_footer<R: ChunkReader>(file: &R) -> parquet::errors::Result<Result<(), String>> {
    let Some(end) = file.len().checked_sub(8) else {
        return Ok(Ok(()));
    };
    let tail = file.get_bytes(end, 8)?;
    if tail[4..] != *b"PAR1" {
        return Ok(Ok(()));
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    let Some(start) = end.checked_sub(len) else {
        return Ok(Ok(()));
    };
    let footer = file.get_bytes(start, len as usize)?;
    let mut walk = ThriftWalk {
        buf: &footer,
        at: 0,
    };
    Ok(match walk.skip(THRIFT_STRUCT, 0, false) {
        Err(WalkStop::Count { count, left }) => Err(format!(
            "the file is malformed: its footer declares a list of {count} elements with {left} \
             bytes left"
        )),
        Ok(()) | Err(WalkStop::End | WalkStop::Other) => Ok(()),
    })
}

/// Each row group's declared row count must be ≥ 0 and their sum must fit: the reader
/// adds them up as `usize` (a negative count wraps), which overflowed — a panic, an
/// abort in the page's wasm32 build (`fuzz/` target `table_parquet`,
/// `tests/data/fuzz/table_parquet-row-count-overflow.parquet`).
fn check_row_counts(metadata: &ParquetMetaData) -> Result<(), String> {
    let mut total = 0i64;
    for (i, group) in metadata.row_groups().iter().enumerate() {
        let rows = group.num_rows();
        total = total
            .checked_add(rows)
            .filter(|_| rows >= 0)
            .ok_or_else(|| {
                format!(
                    "the file is malformed: row group {i} declares {rows} rows (after {total} in \
                     the groups before it)"
                )
            })?;
    }
    Ok(())
}

/// Walks the page headers of every column chunk, from its first page to its declared
/// end, each header's `compressed_page_size` leading to the next. A chunk whose extent
/// or headers the walk cannot follow is left to the decoder.
fn check_page_headers<R: ChunkReader>(
    file: &R,
    metadata: &ParquetMetaData,
) -> parquet::errors::Result<Result<(), String>> {
    for (group_index, group) in metadata.row_groups().iter().enumerate() {
        for column in group.columns() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or(column.data_page_offset());
            let (Ok(start), Ok(len)) = (
                u64::try_from(start),
                u64::try_from(column.compressed_size()),
            ) else {
                continue;
            };
            let Some(end) = start.checked_add(len).filter(|&end| end <= file.len()) else {
                continue;
            };
            let mut at = start;
            'pages: while at < end {
                let rest = end - at;
                let mut window = rest.min(HEADER_WINDOW);
                let (header_len, sizes) = loop {
                    let bytes = file.get_bytes(at, window as usize)?;
                    let mut walk = ThriftWalk { buf: &bytes, at: 0 };
                    match walk.page_header() {
                        Ok(sizes) => break (walk.at as u64, sizes),
                        // The header may go on past the window: walk it again in a
                        // larger one.
                        Err(WalkStop::Count { .. } | WalkStop::End) if window < rest => {
                            window = (window * 16).min(rest);
                        }
                        Err(WalkStop::Count { count, left }) => {
                            return Ok(Err(format!(
                                "the file is malformed: a page header of column `{}` in row \
                                 group {group_index} (at byte {at}) declares a list of {count} \
                                 elements with {left} bytes left",
                                column.column_descr().path().string()
                            )));
                        }
                        // A page header lies inside its chunk (whose size counts the
                        // headers). The `parquet` crate reads on past the chunk, where it
                        // takes a double or a UUID at the end of its input as zero bytes:
                        // a map of 2^31 of them looped for seconds (a fuzz finding).
                        Err(WalkStop::End) => {
                            return Ok(Err(format!(
                                "the file is malformed: a page header of column `{}` in row \
                                 group {group_index} (at byte {at}) runs past the end of its \
                                 column chunk (byte {end})",
                                column.column_descr().path().string()
                            )));
                        }
                        Err(WalkStop::Other) => break 'pages,
                    }
                };
                let PageSizes {
                    uncompressed,
                    compressed,
                } = sizes;
                let most = MAX_EXPANSION
                    .saturating_mul(compressed.max(0))
                    .saturating_add(1024);
                if !(0..=most).contains(&uncompressed) {
                    return Ok(Err(format!(
                        "the file is malformed: a page header of column `{}` in row group \
                         {group_index} (at byte {at}) declares {uncompressed} bytes once \
                         decompressed from {compressed} compressed, more than any codec \
                         expands",
                        column.column_descr().path().string()
                    )));
                }
                let Some(next) = u64::try_from(compressed)
                    .ok()
                    .and_then(|page_len| at.checked_add(header_len)?.checked_add(page_len))
                else {
                    break;
                };
                at = next;
            }
        }
    }
    Ok(Ok(()))
}

const THRIFT_STRUCT: u8 = 12;

/// A page's declared sizes, as its header gives them.
struct PageSizes {
    uncompressed: i64,
    compressed: i64,
}

/// No codec this build reads expands a page by more than this: deflate's limit is
/// 1,032 to 1 (LZ4's ≈ 255, snappy's ≈ 21), so a page declaring more than
/// `MAX_EXPANSION × compressed + 1 KiB` bytes once decompressed is malformed — and the
/// `parquet` crate allocates the declared size before it decompresses (a fuzz finding:
/// 2 GB for a page of a few KB).
const MAX_EXPANSION: i64 = 1032;
/// Compact Thrift's `i32` type.
const THRIFT_I32: u8 = 5;

enum WalkStop {
    /// A list, set or map declares more elements than there are bytes left.
    Count { count: u64, left: usize },
    /// The value runs past the end of the bytes walked.
    End,
    /// Something the walk does not follow (an unknown type, a 10-byte varint, nesting
    /// past 64, a page header without its size): left to the decoder's own errors.
    Other,
}

/// A compact-Thrift skipper (see the module's documentation).
struct ThriftWalk<'a> {
    buf: &'a [u8],
    at: usize,
}

impl ThriftWalk<'_> {
    fn byte(&mut self) -> Result<u8, WalkStop> {
        let b = *self.buf.get(self.at).ok_or(WalkStop::End)?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, WalkStop> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WalkStop::Other)
    }

    /// A zigzag-encoded signed varint (`i16`, `i32`, `i64` fields and field-id deltas).
    fn zigzag(&mut self) -> Result<i64, WalkStop> {
        let n = self.varint()?;
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    fn skip_bytes(&mut self, n: u64) -> Result<(), WalkStop> {
        self.at = usize::try_from(n)
            .ok()
            .and_then(|n| self.at.checked_add(n))
            .filter(|&end| end <= self.buf.len())
            .ok_or(WalkStop::End)?;
        Ok(())
    }

    /// `count` elements of at least one byte each must fit in what is left.
    fn count(&self, count: u64) -> Result<u64, WalkStop> {
        let left = self.buf.len() - self.at;
        if count > left as u64 {
            Err(WalkStop::Count { count, left })
        } else {
            Ok(count)
        }
    }

    /// Walks a `PageHeader` struct and returns its `uncompressed_page_size` and
    /// `compressed_page_size` (fields 2 and 3, `i32`s): the latter is the length of the
    /// page that follows the header.
    fn page_header(&mut self) -> Result<PageSizes, WalkStop> {
        let (mut id, mut uncompressed, mut compressed) = (0i64, None, None);
        loop {
            let header = self.byte()?;
            if header == 0 {
                return match (uncompressed, compressed) {
                    (Some(uncompressed), Some(compressed)) => Ok(PageSizes {
                        uncompressed,
                        compressed,
                    }),
                    _ => Err(WalkStop::Other),
                };
            }
            let ty = header & 0x0f;
            id = match header >> 4 {
                0 => self.zigzag()?,
                delta => id + i64::from(delta),
            };
            match (id, ty) {
                (2, THRIFT_I32) => uncompressed = Some(self.zigzag()?),
                (3, THRIFT_I32) => compressed = Some(self.zigzag()?),
                _ => self.skip(ty, 1, false)?,
            }
        }
    }

    /// Skips one value of compact type `ty` (a boolean struct field holds its value in
    /// its type; a boolean element of a list takes a byte).
    fn skip(&mut self, ty: u8, depth: u32, element: bool) -> Result<(), WalkStop> {
        if depth > 64 {
            return Err(WalkStop::Other);
        }
        match ty {
            1 | 2 if element => self.skip_bytes(1),
            1 | 2 => Ok(()),
            3 => self.skip_bytes(1),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip_bytes(8),
            8 => {
                let n = self.varint()?;
                self.skip_bytes(n)
            }
            9 | 10 => {
                let header = self.byte()?;
                let mut n = u64::from(header >> 4);
                if n == 15 {
                    n = self.varint()?;
                }
                for _ in 0..self.count(n)? {
                    self.skip(header & 0x0f, depth + 1, true)?;
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n > 0 {
                    let n = self.count(n)?;
                    let types = self.byte()?;
                    for _ in 0..n {
                        self.skip(types >> 4, depth + 1, true)?;
                        self.skip(types & 0x0f, depth + 1, true)?;
                    }
                }
                Ok(())
            }
            THRIFT_STRUCT => loop {
                let header = self.byte()?;
                if header == 0 {
                    return Ok(());
                }
                if header >> 4 == 0 {
                    self.varint()?; // a long-form field id
                }
                self.skip(header & 0x0f, depth + 1, false)?;
            },
            13 => self.skip_bytes(16),
            _ => Err(WalkStop::Other),
        }
    }
}
