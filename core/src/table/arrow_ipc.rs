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
//!
//! Bounded decompression: the messages are framed here (the footer's blocks, or the
//! stream's messages one after the other) and each one is handed to arrow-ipc's
//! [`FileDecoder`] on its own. A compressed record batch or dictionary batch is
//! decompressed here first, into a growing buffer that stops at the size the buffer
//! declares, and handed over with every buffer marked uncompressed (the `-1` size
//! prefix of the IPC format). A declared size may not exceed what LZ4 can expand the
//! buffer's bytes to, and all of an input's buffers together may not expand past
//! [`MAX_LZ4_RATIO`] times its size. arrow-ipc is built without its `lz4` feature, so
//! it cannot decompress (nor allocate for) a claim itself: a compressed buffer that
//! reached it would be an error, not an allocation.

use std::io::Read;
use std::sync::Arc;

use arrow_buffer::Buffer;
use arrow_ipc::reader::FileDecoder;
use arrow_ipc::{Block, CompressionType, MessageHeader, MetadataVersion};
use arrow_schema::ArrowError;

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
    let reader = Reader {
        bytes,
        format,
        budget: (bytes.len() as u64).saturating_mul(MAX_LZ4_RATIO),
    };
    catch_decoder_panic(|| match format {
        IpcFormat::File => reader.read_file(),
        IpcFormat::Stream => reader.read_stream(),
    })
    .unwrap_or_else(|message| {
        Err(TableError::ArrowIpc {
            format: format.name(),
            message: message.replace("Parquet decoder", "Arrow IPC decoder"),
        })
    })
}

/// LZ4 expands a frame at most about 255 times (a match of 255+ bytes per sequence).
const MAX_LZ4_RATIO: u64 = 256;

/// An encapsulated message starts with this marker (since Arrow 0.15), then its
/// metadata length.
const CONTINUATION: [u8; 4] = [0xff; 4];

/// Reads one input: frames its messages and hands them to arrow-ipc one by one.
struct Reader<'a> {
    bytes: &'a [u8],
    format: IpcFormat,
    /// How many more bytes the input's compressed buffers may expand to.
    budget: u64,
}

impl<'a> Reader<'a> {
    fn error(&self, message: String) -> TableError {
        TableError::ArrowIpc {
            format: self.format.name(),
            message,
        }
    }

    fn arrow_error(&self, err: &ArrowError) -> TableError {
        self.error(explain(&err.to_string()))
    }

    /// The file format: `ARROW1`, padding, the stream, the footer, its length, `ARROW1`.
    fn read_file(mut self) -> Result<Table, TableError> {
        let bytes = self.bytes;
        let trailer = bytes
            .len()
            .checked_sub(10)
            .filter(|&at| at >= FILE_MAGIC.len())
            .ok_or_else(|| self.error("the file is too short for its footer".to_owned()))?;
        if bytes[trailer + 4..] != *FILE_MAGIC {
            return Err(self.error(
                "the file does not end with the ARROW1 magic: it is truncated or corrupt"
                    .to_owned(),
            ));
        }
        let footer = read_i32(bytes, trailer)
            .and_then(|len| usize::try_from(len).ok())
            .and_then(|len| trailer.checked_sub(len))
            .and_then(|start| bytes.get(start..trailer))
            .ok_or_else(|| {
                self.error("the footer's length lies outside the file: it is corrupt".to_owned())
            })?;
        let footer = arrow_ipc::root_as_footer(footer)
            .map_err(|e| self.error(format!("unable to read the footer: {e}")))?;
        let schema = footer
            .schema()
            .ok_or_else(|| self.error("the footer has no schema".to_owned()))?;
        if !schema.endianness().equals_to_target_endianness() {
            return Err(
                self.error("the file is big-endian, which Lockstep does not read".to_owned())
            );
        }
        let schema = Arc::new(
            arrow_ipc::convert::try_fb_to_schema(schema).map_err(|e| self.arrow_error(&e))?,
        );
        let mut decoder = FileDecoder::new(schema.clone(), footer.version());
        let batches = footer
            .recordBatches()
            .ok_or_else(|| self.error("the footer lists no record batches".to_owned()))?;
        for (i, block) in footer.dictionaries().into_iter().flatten().enumerate() {
            let (block, buffer) = self.block(i, block)?;
            decoder
                .read_dictionary(&block, &buffer)
                .map_err(|e| self.arrow_error(&e))?;
        }
        let mut index = 0;
        let batches = std::iter::from_fn(|| {
            let block = (index < batches.len()).then(|| batches.get(index))?;
            index += 1;
            Some(self.block(index - 1, block).and_then(|(block, buffer)| {
                decoder
                    .read_record_batch(&block, &buffer)
                    .map_err(|e| self.arrow_error(&e))
            }))
        })
        .filter_map(Result::transpose);
        from_batches(&schema, batches)
    }

    /// Footer block `i`: its message, decompressed where it is compressed.
    fn block(&mut self, i: usize, block: &Block) -> Result<(Block, Buffer), TableError> {
        let bytes = self.bytes;
        let part = |v: i64| usize::try_from(v).ok();
        let range = part(block.offset()).and_then(|offset| {
            let meta = offset.checked_add(part(i64::from(block.metaDataLength()))?)?;
            let end = meta.checked_add(part(block.bodyLength())?)?;
            Some((offset, meta, end))
        });
        let Some((offset, meta, end)) = range.filter(|&(_, _, end)| end <= bytes.len()) else {
            return Err(self.error(format!(
                "block {i} of the footer (offset {}, metadata {} bytes, body {} bytes) lies \
                 outside the file's {} bytes: the file is truncated or corrupt",
                block.offset(),
                block.metaDataLength(),
                block.bodyLength(),
                bytes.len()
            )));
        };
        let prefix = if bytes.get(offset..offset + 4) == Some(&CONTINUATION[..]) {
            8
        } else {
            4
        };
        if meta < offset + prefix {
            return Err(self.error(format!(
                "block {i} of the footer has {} bytes of metadata, less than its {prefix}-byte \
                 prefix: the file is corrupt",
                meta - offset
            )));
        }
        self.message(&bytes[offset..meta], prefix, &bytes[meta..end])
    }

    /// The stream format: a schema message, then dictionary and record batches, then an
    /// end-of-stream marker (or the end of the input).
    fn read_stream(mut self) -> Result<Table, TableError> {
        let mut at = 0;
        let (meta, prefix, _) = self.next_message(&mut at)?.ok_or_else(|| {
            self.error("expected a schema message, found an empty stream".to_owned())
        })?;
        let message = arrow_ipc::root_as_message(&meta[prefix..])
            .map_err(|e| self.error(format!("unable to read the first message: {e}")))?;
        let schema = message.header_as_schema().ok_or_else(|| {
            self.error(format!(
                "expected a schema as the first message in the stream, got {:?}",
                message.header_type()
            ))
        })?;
        if !schema.endianness().equals_to_target_endianness() {
            return Err(
                self.error("the stream is big-endian, which Lockstep does not read".to_owned())
            );
        }
        let schema = Arc::new(
            arrow_ipc::convert::try_fb_to_schema(schema).map_err(|e| self.arrow_error(&e))?,
        );
        // V1: each message's own version is used (the stream has no footer to agree with).
        let mut decoder = FileDecoder::new(schema.clone(), MetadataVersion::V1);
        let mut done = false;
        let batches = std::iter::from_fn(|| {
            while !done {
                let result = self.next_message(&mut at).and_then(|next| {
                    let Some((meta, prefix, body)) = next else {
                        return Ok(None);
                    };
                    let header = arrow_ipc::root_as_message(&meta[prefix..])
                        .map_err(|e| self.error(format!("unable to read a message: {e}")))?
                        .header_type();
                    let (block, buffer) = self.message(meta, prefix, body)?;
                    match header {
                        MessageHeader::DictionaryBatch => decoder
                            .read_dictionary(&block, &buffer)
                            .map(|()| Some(None))
                            .map_err(|e| self.arrow_error(&e)),
                        MessageHeader::RecordBatch => decoder
                            .read_record_batch(&block, &buffer)
                            .map(|batch| batch.map(Some))
                            .map_err(|e| self.arrow_error(&e)),
                        MessageHeader::Schema => Err(self.error(
                            "expected a record batch, but found a second schema".to_owned(),
                        )),
                        other => Err(self.error(format!(
                            "unsupported message type in an IPC stream: {other:?}"
                        ))),
                    }
                });
                match result {
                    // A dictionary batch: read on.
                    Ok(Some(None)) => {}
                    Ok(Some(Some(batch))) => return Some(Ok(batch)),
                    Ok(None) => done = true,
                    Err(err) => {
                        done = true;
                        return Some(Err(err));
                    }
                }
            }
            None
        });
        from_batches(&schema, batches)
    }

    /// The stream's next message from byte `at` on: (its metadata with the length
    /// prefix, the prefix's length, its body), or `None` at the end of the stream.
    #[allow(clippy::type_complexity)]
    fn next_message(
        &self,
        at: &mut usize,
    ) -> Result<Option<(&'a [u8], usize, &'a [u8])>, TableError> {
        let bytes = self.bytes;
        let rest = bytes.get(*at..).unwrap_or(&[]);
        // Fewer than 4 bytes left: the end, without the optional end-of-stream marker.
        let Some(first) = rest.get(..4) else {
            return Ok(None);
        };
        let prefix = if first == CONTINUATION { 8 } else { 4 };
        let len = read_i32(rest, prefix - 4).ok_or_else(|| {
            self.error(format!(
                "the message at byte {at} is truncated in its length prefix"
            ))
        })?;
        if len == 0 {
            return Ok(None);
        }
        let meta = usize::try_from(len)
            .ok()
            .and_then(|len| rest.get(..prefix.checked_add(len)?))
            .ok_or_else(|| {
                self.error(format!(
                    "the message at byte {at} declares {len} bytes of metadata, past the end of \
                     the input ({} bytes): the stream is truncated or corrupt",
                    bytes.len()
                ))
            })?;
        let message = arrow_ipc::root_as_message(&meta[prefix..])
            .map_err(|e| self.error(format!("unable to read the message at byte {at}: {e}")))?;
        let body_len = message.bodyLength();
        let body = usize::try_from(body_len)
            .ok()
            .and_then(|len| rest.get(meta.len()..meta.len().checked_add(len)?))
            .ok_or_else(|| {
                self.error(format!(
                    "the message at byte {at} declares a body of {body_len} bytes, past the end \
                     of the input ({} bytes): the stream is truncated or corrupt",
                    bytes.len()
                ))
            })?;
        *at += meta.len() + body.len();
        Ok(Some((meta, prefix, body)))
    }

    /// One message (metadata with its `prefix`-byte length prefix, then the body) as
    /// [`FileDecoder`] reads it: a block and its bytes. A compressed record batch or
    /// dictionary batch comes back decompressed, each buffer marked uncompressed.
    fn message(
        &mut self,
        meta: &[u8],
        prefix: usize,
        body: &[u8],
    ) -> Result<(Block, Buffer), TableError> {
        let as_block = |meta: &[u8], body: &[u8]| {
            let mut buffer = Vec::with_capacity(meta.len() + body.len());
            buffer.extend_from_slice(meta);
            buffer.extend_from_slice(body);
            // Both lengths come from an i32 and an i64 (or are the decompressed body's).
            let block = Block::new(
                0,
                i32::try_from(meta.len()).unwrap_or(i32::MAX),
                i64::try_from(body.len()).unwrap_or(i64::MAX),
            );
            (block, Buffer::from_vec(buffer))
        };
        let fb = &meta[prefix..];
        let message = arrow_ipc::root_as_message(fb)
            .map_err(|e| self.error(format!("unable to read a message: {e}")))?;
        let batch = match message.header_type() {
            MessageHeader::RecordBatch => message.header_as_record_batch(),
            MessageHeader::DictionaryBatch => {
                message.header_as_dictionary_batch().and_then(|d| d.data())
            }
            _ => None,
        };
        let Some((batch, compression)) = batch.and_then(|b| b.compression().map(|c| (b, c))) else {
            return Ok(as_block(meta, body));
        };
        match compression.codec() {
            CompressionType::LZ4_FRAME => {}
            CompressionType::ZSTD => {
                return Err(self.error(
                    "the buffers are ZSTD-compressed (ZSTD-compressed Arrow is not read; write \
                     it with compression='lz4' or 'uncompressed')"
                        .to_owned(),
                ));
            }
            other => return Err(self.error(format!("unknown compression codec {other:?}"))),
        }
        let Some(buffers) = batch.buffers() else {
            return Ok(as_block(meta, body));
        };
        // Where the buffers' (offset, length) pairs lie in the metadata: they are
        // rewritten in a copy to point into the decompressed body.
        let table_at = (buffers.bytes().as_ptr() as usize)
            .checked_sub(fb.as_ptr() as usize)
            .map_or(usize::MAX, |at| at + prefix);
        let mut new_meta = meta.to_vec();
        let mut new_body: Vec<u8> = Vec::new();
        for (i, buffer) in buffers.iter().enumerate() {
            let (offset, length) = (buffer.offset(), buffer.length());
            let data = usize::try_from(offset)
                .ok()
                .zip(usize::try_from(length).ok())
                .and_then(|(o, l)| body.get(o..o.checked_add(l)?))
                .ok_or_else(|| {
                    self.error(format!(
                        "buffer {i} (offset {offset}, {length} bytes) lies outside its message's \
                         body of {} bytes: the file is corrupt",
                        body.len()
                    ))
                })?;
            let start = new_body.len();
            if !data.is_empty() {
                let (size, compressed) = data
                    .split_first_chunk::<8>()
                    .map(|(size, rest)| (i64::from_le_bytes(*size), rest))
                    .ok_or_else(|| {
                        self.error(format!(
                            "compressed buffer {i} has {} bytes, fewer than its 8-byte size \
                             prefix: the file is corrupt",
                            data.len()
                        ))
                    })?;
                new_body.extend_from_slice(&(-1i64).to_le_bytes());
                match size {
                    -1 => new_body.extend_from_slice(compressed),
                    0 => {}
                    claimed if claimed > 0 => {
                        self.decompress(i, claimed.unsigned_abs(), compressed, &mut new_body)?;
                    }
                    other => {
                        return Err(self.error(format!(
                            "compressed buffer {i} declares an uncompressed size of {other} \
                             bytes: the file is corrupt"
                        )));
                    }
                }
            }
            let new_length = new_body.len() - start;
            new_body.resize(new_body.len().next_multiple_of(8), 0);
            let slot = table_at.saturating_add(16 * i);
            let fields = new_meta
                .get_mut(slot..slot.saturating_add(16))
                .ok_or_else(|| {
                    self.error("the message's buffer table lies outside its metadata".to_owned())
                })?;
            fields[..8].copy_from_slice(&(start as i64).to_le_bytes());
            fields[8..].copy_from_slice(&(new_length as i64).to_le_bytes());
        }
        Ok(as_block(&new_meta, &new_body))
    }

    /// Decompresses LZ4 frames into the end of `out`: at most `claimed` bytes, which must
    /// be what they give, within what LZ4 can expand `compressed` to and within the
    /// input's budget.
    fn decompress(
        &mut self,
        i: usize,
        claimed: u64,
        compressed: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), TableError> {
        let bound = (compressed.len() as u64)
            .saturating_mul(MAX_LZ4_RATIO)
            .saturating_add(64);
        if claimed > bound {
            return Err(self.error(format!(
                "the file is malformed: buffer {i} claims {claimed} bytes uncompressed from {} \
                 compressed bytes (LZ4 expands at most {MAX_LZ4_RATIO} times)",
                compressed.len()
            )));
        }
        if claimed > self.budget {
            return Err(self.error(format!(
                "the compressed buffers expand to more than {MAX_LZ4_RATIO} times the input's \
                 {} bytes: the file is malformed",
                self.bytes.len()
            )));
        }
        self.budget -= claimed;
        let before = out.len();
        // One byte past the claim tells a longer stream from an exact one; the output
        // grows with what the frames really give, never to the claim up front.
        lz4_flex::frame::FrameDecoder::new(compressed)
            .take(claimed.saturating_add(1))
            .read_to_end(out)
            .map_err(|e| self.error(format!("LZ4 buffer {i} is corrupt: {e}")))?;
        let got = out.len() - before;
        if got as u64 != claimed {
            return Err(self.error(format!(
                "LZ4 buffer {i} decompresses to {}{got} bytes, not the {claimed} it declares: \
                 the file is corrupt",
                if got as u64 > claimed {
                    "more than "
                } else {
                    ""
                }
            )));
        }
        Ok(())
    }
}

fn read_i32(bytes: &[u8], at: usize) -> Option<i32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(i32::from_le_bytes(<[u8; 4]>::try_from(b).ok()?))
}

/// The decoder's message, with what to do where the cause is a codec we leave out.
fn explain(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("requires the lz4 feature") {
        // Unreachable by construction: every compressed buffer is decompressed here.
        "a compressed buffer was not decompressed: the file is malformed".to_owned()
    } else if lower.contains("zstd") {
        format!(
            "{message} (ZSTD-compressed Arrow is not read; write it with compression='lz4' or \
             'uncompressed')"
        )
    } else {
        message.to_owned()
    }
}
