//! The page's Parquet and Arrow IPC reader, as a wasm module of its own.
//!
//! The readers (the `parquet`, `arrow-ipc` and `arrow-select` crates) are about a third
//! of the web app's code, and most users open CSV. So the notebook's bundle leaves them
//! out, and its worker fetches this module the first time a `.parquet` or `.arrow` file
//! is opened (`www/worker.js`). Each file gets a fresh instance, whose memory (the file,
//! its decoded table) goes when the file is read: the worker keeps only the table it
//! assembles from this module's chunks ([`lockstep_core::table::wire`]).
//!
//! The interface is three functions and one import, no glue code (`www/worker.js` is its
//! whole caller): `lockstep_alloc(len)` gives the worker room for the file,
//! `lockstep_decode(kind, ptr, len)` reads it and hands each chunk of rows to the import
//! `lockstep.chunk(ptr, len)`, and returns 0, or 1 with the error message at
//! `lockstep_error_ptr()` / `lockstep_error_len()`.

use lockstep_core::table::{Table, wire};

/// Rows per chunk: 64 Ki rows of 30 float columns is 15 MiB, small beside the table.
pub const CHUNK_ROWS: usize = 1 << 16;

/// The formats this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Parquet,
    ArrowIpc,
}

impl Kind {
    /// The `kind` argument of `lockstep_decode`: 0 Parquet, 1 Arrow IPC.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(Self::Parquet),
            1 => Some(Self::ArrowIpc),
            _ => None,
        }
    }
}

/// Reads `bytes` as `kind` and hands the table to `emit` in chunks of at most
/// `rows_per_chunk` rows (at least one chunk, which carries the columns of an empty
/// table): Parquet batch by batch as it is decoded, Arrow IPC read whole then cut. Stops
/// at the first error, `emit`'s included.
pub fn decode(
    kind: Kind,
    bytes: &[u8],
    rows_per_chunk: usize,
    mut emit: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    if kind == Kind::Parquet {
        // Batch by batch: a large file's table is never whole in this instance.
        let mut failed = None;
        let read = Table::for_each_parquet_batch(bytes, rows_per_chunk, |batch, total| {
            emit(&wire::encode_part(&batch, total)).map_err(|message| {
                failed = Some(message);
                lockstep_core::table::TableError::Parquet {
                    message: "stopped".to_owned(),
                }
            })
        });
        return match (read, failed) {
            (_, Some(message)) => Err(message),
            (Err(e), None) => Err(e.to_string()),
            (Ok(()), None) => Ok(()),
        };
    }
    let table = Table::from_arrow_ipc(bytes).map_err(|e| e.to_string())?;
    let rows = table.num_rows();
    let step = rows_per_chunk.max(1);
    let mut offset = 0;
    loop {
        let len = step.min(rows - offset);
        let chunk = table.slice(offset, len).map_err(|e| e.to_string())?;
        emit(&wire::encode_part(&chunk, rows))?;
        offset += len;
        if offset >= rows {
            return Ok(());
        }
    }
}

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod ffi {
    //! The exports `www/worker.js` calls. Unsafe only where JavaScript hands over
    //! memory: the input buffer it filled, the chunk and error views it reads.
    use std::cell::RefCell;

    thread_local! {
        static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    }

    #[link(wasm_import_module = "lockstep")]
    unsafe extern "C" {
        /// Takes one chunk (`ptr..ptr + len` of this module's memory, valid during the
        /// call); returns 0 to go on, anything else to stop.
        fn chunk(ptr: *const u8, len: usize) -> u32;
    }

    /// Room for a file of `len` bytes; the worker writes the file there.
    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_alloc(len: usize) -> *mut u8 {
        INPUT.with_borrow_mut(|input| {
            *input = vec![0; len];
            input.as_mut_ptr()
        })
    }

    /// Reads the file given to [`lockstep_alloc`]'s buffer as `kind` (0 Parquet, 1 Arrow
    /// IPC); 0 when every chunk was taken, 1 on an error (see [`lockstep_error_ptr`]).
    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_decode(kind: u32) -> u32 {
        let input = INPUT.with_borrow_mut(std::mem::take);
        let result = match super::Kind::from_code(kind) {
            None => Err(format!("unknown file kind {kind}")),
            Some(kind) => super::decode(kind, &input, super::CHUNK_ROWS, |bytes| {
                // SAFETY: `bytes` is live memory of this instance for the call.
                match unsafe { chunk(bytes.as_ptr(), bytes.len()) } {
                    0 => Ok(()),
                    _ => Err("the worker stopped the reading".to_owned()),
                }
            }),
        };
        match result {
            Ok(()) => 0,
            Err(message) => {
                ERROR.with_borrow_mut(|e| *e = message);
                1
            }
        }
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_error_ptr() -> *const u8 {
        ERROR.with_borrow(|e| e.as_ptr())
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn lockstep_error_len() -> usize {
        ERROR.with_borrow(String::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockstep_core::table::wire::Assembler;

    fn data(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../../tests/data/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn through_chunks(kind: Kind, bytes: &[u8], rows: usize) -> (Table, usize) {
        let mut assembler = Assembler::new();
        let mut chunks = 0;
        decode(kind, bytes, rows, |chunk| {
            chunks += 1;
            assembler.push(chunk).map_err(|e| e.to_string())
        })
        .unwrap();
        (assembler.finish().unwrap(), chunks)
    }

    #[test]
    fn parquet_and_arrow_files_arrive_as_the_table_core_reads() {
        for (kind, path) in [
            (Kind::Parquet, "transforms/test.parquet"),
            (Kind::ArrowIpc, "arrow/train_lz4.feather"),
        ] {
            let bytes = data(path);
            let direct = match kind {
                Kind::Parquet => Table::from_parquet(&bytes),
                Kind::ArrowIpc => Table::from_arrow_ipc(&bytes),
            }
            .unwrap();
            assert!(direct.num_rows() > 7, "{path}");
            for rows in [7, CHUNK_ROWS] {
                let (table, chunks) = through_chunks(kind, &bytes, rows);
                assert_eq!(table, direct, "{path}, {rows} rows a chunk");
                // Parquet batches stop at row-group ends, so there may be more.
                assert!(chunks >= direct.num_rows().div_ceil(rows), "{path}");
            }
        }
    }

    #[test]
    fn a_bad_file_is_core_s_error_and_an_empty_table_is_one_chunk() {
        let err = decode(Kind::Parquet, b"PAR1 not parquet", 10, |_| Ok(())).unwrap_err();
        assert!(err.starts_with("cannot read the Parquet input"), "{err}");
        let err = decode(Kind::ArrowIpc, b"", 10, |_| Ok(())).unwrap_err();
        assert!(err.contains("the input is empty"), "{err}");
        // An empty table is one chunk that carries its columns.
        let empty = data("transforms/test.parquet");
        let table = Table::from_parquet(&empty).unwrap().slice(0, 0).unwrap();
        let mut assembler = Assembler::new();
        assembler.push(&wire::encode(&table)).unwrap();
        assert_eq!(assembler.finish().unwrap(), table);
        let stop = decode(Kind::Parquet, &empty, 10, |_| Err("stop".to_owned())).unwrap_err();
        assert_eq!(stop, "stop");
    }
}
