//! Arrow IPC bytes → [`Table`] (feature `parquet`, which brings Arrow): the file
//! format (`.arrow`, Feather v2 `.feather`: `ARROW1` magic, record batches, a
//! footer) and the streaming format (`.arrows`: a schema message, then record
//! batches). Columns map as in the Parquet reader ([`super::parquet::from_batches`]):
//! what pyarrow and polars write maps one to one, without re-encoding where the
//! layout is already Lockstep's.
//!
//! Compression: uncompressed and LZ4-frame buffers (pyarrow's default for Feather)
//! are read; ZSTD buffers are refused with a named error (the zstd codec is C code,
//! which the page's wasm32 build cannot carry). Feather v1 (`FEA1`, before Arrow
//! 0.17) is refused by name. Arrays are validated when read; a malformed file is a
//! [`TableError::ArrowIpc`] naming what is wrong, never a panic (natively a panic in
//! the decoder is caught like the Parquet reader's; `fuzz/` target `table_arrow_ipc`).

use std::io::Cursor;

use arrow_ipc::reader::{FileReader, StreamReader};

use super::parquet::{catch_decoder_panic, from_batches};
use super::{Table, TableError};

/// The first bytes of an Arrow IPC file (the stream format has none).
const FILE_MAGIC: &[u8] = b"ARROW1";
/// Feather v1's magic.
const FEATHER_V1_MAGIC: &[u8] = b"FEA1";

/// Which of the two IPC formats a byte string is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpcFormat {
    File,
    Stream,
}

impl IpcFormat {
    /// The file format when the bytes start with its magic, the stream format otherwise.
    pub fn of(bytes: &[u8]) -> Self {
        if bytes.starts_with(FILE_MAGIC) {
            Self::File
        } else {
            Self::Stream
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Stream => "stream",
        }
    }
}

pub(super) fn read_arrow_ipc(bytes: &[u8]) -> Result<Table, TableError> {
    if bytes.starts_with(FEATHER_V1_MAGIC) {
        return Err(TableError::ArrowIpc {
            format: "file",
            message: "this is a Feather v1 file, which Lockstep does not read; write it again \
                      as Feather v2 (pyarrow.feather.write_feather, the default since pyarrow 0.17)"
                .to_owned(),
        });
    }
    if bytes.is_empty() {
        return Err(TableError::ArrowIpc {
            format: "stream",
            message: "the input is empty".to_owned(),
        });
    }
    let format = IpcFormat::of(bytes);
    check_compressed_sizes(bytes, format)?;
    catch_decoder_panic(|| read(bytes, format)).unwrap_or_else(|message| {
        Err(TableError::ArrowIpc {
            format: format.name(),
            message: message.replace("Parquet decoder", "Arrow IPC decoder"),
        })
    })
}

fn read(bytes: &[u8], format: IpcFormat) -> Result<Table, TableError> {
    let error = |err: arrow_schema::ArrowError| TableError::ArrowIpc {
        format: format.name(),
        message: explain(&err.to_string()),
    };
    match format {
        IpcFormat::File => {
            let reader = FileReader::try_new(Cursor::new(bytes), None).map_err(error)?;
            let schema = reader.schema();
            from_batches(&schema, reader.map(|b| b.map_err(error)))
        }
        IpcFormat::Stream => {
            let reader = StreamReader::try_new(Cursor::new(bytes), None).map_err(error)?;
            let schema = reader.schema();
            from_batches(&schema, reader.map(|b| b.map_err(error)))
        }
    }
}

/// LZ4 expands a frame at most about 255 times (a match of 255+ bytes per sequence).
const MAX_LZ4_RATIO: u64 = 256;

/// The Arrow decoder allocates each compressed buffer's advertised uncompressed size
/// up front; a corrupted size prefix would ask for terabytes (an abort natively, a
/// dead worker in the page). Before decoding, every compressed buffer of every record
/// batch and dictionary batch the reader will read is checked: its size prefix may not
/// exceed what LZ4 can expand its bytes to. Framing this walk cannot follow is left to
/// the decoder's own errors.
fn check_compressed_sizes(bytes: &[u8], format: IpcFormat) -> Result<(), TableError> {
    let error = |message: String| TableError::ArrowIpc {
        format: format.name(),
        message,
    };
    // (message offset, its metadata length incl. prefix or None, body length or None)
    let mut messages: Vec<(usize, Option<usize>, Option<usize>)> = Vec::new();
    match format {
        IpcFormat::File => {
            // Footer: ... <footer flatbuffer> <i32 footer length> "ARROW1".
            let Some(tail) = bytes.len().checked_sub(10) else {
                return Ok(());
            };
            let Some(len) = read_i32(bytes, tail).and_then(|l| usize::try_from(l).ok()) else {
                return Ok(());
            };
            let Some(footer) = tail.checked_sub(len).and_then(|s| bytes.get(s..tail)) else {
                return Ok(());
            };
            let Ok(footer) = arrow_ipc::root_as_footer(footer) else {
                return Ok(());
            };
            for blocks in [footer.dictionaries(), footer.recordBatches()]
                .into_iter()
                .flatten()
            {
                for (i, block) in blocks.iter().enumerate() {
                    // The decoder allocates a block's declared body before reading it: a
                    // block that ends past the file would ask for any size at all.
                    let end = [
                        block.offset(),
                        i64::from(block.metaDataLength()),
                        block.bodyLength(),
                    ]
                    .into_iter()
                    .try_fold(0i64, |sum, part| {
                        (part >= 0)
                            .then_some(())
                            .and_then(|()| sum.checked_add(part))
                    });
                    if end.is_none_or(|end| end as u64 > bytes.len() as u64) {
                        return Err(error(format!(
                            "block {i} of the footer (offset {}, metadata {} bytes, body {} bytes) \
                             lies outside the file's {} bytes: the file is truncated or corrupt",
                            block.offset(),
                            block.metaDataLength(),
                            block.bodyLength(),
                            bytes.len()
                        )));
                    }
                    messages.push((
                        usize::try_from(block.offset()).unwrap_or(usize::MAX),
                        usize::try_from(block.metaDataLength()).ok(),
                        usize::try_from(block.bodyLength()).ok(),
                    ));
                }
            }
        }
        IpcFormat::Stream => messages.push((0, None, None)),
    }
    let sequential = format == IpcFormat::Stream;
    let mut batch = 0usize;
    while let Some((at, meta_len, body_len)) = messages.pop() {
        // Encapsulated message: [0xFFFFFFFF] <i32 length> <flatbuffer> <body>.
        let Some(mut len) = read_i32(bytes, at) else {
            continue;
        };
        let mut fb_start = at.saturating_add(4);
        if len == -1 {
            let Some(l) = read_i32(bytes, at.saturating_add(4)) else {
                continue;
            };
            len = l;
            fb_start = at.saturating_add(8);
        }
        let Ok(len) = usize::try_from(len) else {
            continue;
        };
        if len == 0 {
            continue; // end of stream
        }
        let Some(fb) = bytes.get(fb_start..fb_start.saturating_add(len)) else {
            continue;
        };
        let Ok(message) = arrow_ipc::root_as_message(fb) else {
            continue;
        };
        let body_start = meta_len.map_or(fb_start.saturating_add(len), |m| at.saturating_add(m));
        let body_len = body_len.or_else(|| usize::try_from(message.bodyLength()).ok());
        let Some(body_len) = body_len else {
            continue;
        };
        if body_start.saturating_add(body_len) > bytes.len() {
            return Err(error(format!(
                "the message at byte {at} declares a body of {body_len} bytes, past the end of \
                 the input ({} bytes): the file is truncated or corrupt",
                bytes.len()
            )));
        }
        let record_batch = message
            .header_as_record_batch()
            .or_else(|| message.header_as_dictionary_batch().and_then(|d| d.data()));
        if let Some(rb) = record_batch
            && rb.compression().is_some()
            && let Some(buffers) = rb.buffers()
        {
            let body = bytes
                .get(body_start..body_start.saturating_add(body_len))
                .unwrap_or(&[]);
            for (i, buffer) in buffers.iter().enumerate() {
                let (Ok(offset), Ok(length)) = (
                    usize::try_from(buffer.offset()),
                    usize::try_from(buffer.length()),
                ) else {
                    continue;
                };
                // An empty buffer has no prefix (the decoder skips it).
                if length < 8 {
                    continue;
                }
                let Some(prefix) = offset
                    .checked_add(8)
                    .and_then(|end| body.get(offset..end))
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                else {
                    continue;
                };
                let claimed = i64::from_le_bytes(prefix);
                // The bytes the buffer can really hold: a declared length past the end of
                // the body must not widen the bound (fuzzing found a 20 GB claim that way).
                let available = length.min(body.len().saturating_sub(offset));
                let compressed = available.saturating_sub(8) as u64;
                if claimed > 0
                    && (claimed as u64)
                        > compressed.saturating_mul(MAX_LZ4_RATIO).saturating_add(64)
                {
                    return Err(error(format!(
                        "the file is malformed: buffer {i} of record batch {batch} claims \
                         {claimed} bytes uncompressed from {compressed} compressed bytes"
                    )));
                }
            }
            batch += 1;
        }
        if sequential {
            let next = body_start.saturating_add(body_len);
            if next < bytes.len() {
                messages.push((next, None, None));
            }
        }
    }
    Ok(())
}

fn read_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(i32::from_le_bytes(<[u8; 4]>::try_from(b).ok()?))
}

/// The decoder's message, with what to do where the cause is a codec we leave out.
fn explain(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("zstd") {
        format!(
            "{message} (ZSTD-compressed Arrow is not read; write it with compression='lz4' or \
             'uncompressed')"
        )
    } else {
        message.to_owned()
    }
}
