//! The worker's side of the columnar module (`frontend/columnar`): Parquet and Arrow IPC
//! files are read by that second wasm module, which `www/worker.js` fetches the first
//! time such a file is opened and instantiates afresh for each file
//! (`self.lockstepColumnar`). Its table crosses in chunks of rows
//! ([`lockstep_core::table::wire`]), each copied into this instance and appended as it
//! comes, so the file and the module's copy of the table are given back when the file
//! has been read.

use std::cell::RefCell;
use std::rc::Rc;

use lockstep_core::fingerprint::Sha256Hex;
use lockstep_core::table::wire::Assembler;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::host::Decoded;
use crate::notebook::FileKind;

/// The largest table the worker assembles (its columns' bytes): wasm32 memory stops at
/// 4 GiB, and the evaluation needs room beside the table.
pub const MAX_TABLE_BYTES: usize = 2_500_000_000;

/// Slices of this many bytes are copied into this instance to be hashed.
const HASH_SLICE: u32 = 1 << 20;

/// Reads `bytes` (a `kind` file, still in JavaScript's memory: it is hashed here slice
/// by slice and handed to the columnar module, never copied whole into this instance)
/// through the columnar module; `progress` hears the rows read so far.
pub async fn read(
    kind: FileKind,
    bytes: &js_sys::Uint8Array,
    progress: impl Fn(usize) + 'static,
) -> Result<Decoded, String> {
    let (code, format) = match kind {
        FileKind::Parquet => (0, "Parquet"),
        FileKind::ArrowIpc => (1, "Arrow IPC"),
        other => {
            return Err(format!(
                "{other:?} files are not read by the columnar module"
            ));
        }
    };
    let reader = js_sys::Reflect::get(&js_sys::global(), &"lockstepColumnar".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| {
            "this page's worker has no Parquet and Arrow reader (www/worker.js)".to_owned()
        })?;
    let mut sha256 = Sha256Hex::new();
    let mut slice = vec![0; HASH_SLICE as usize];
    let mut at = 0;
    while at < bytes.length() {
        let end = bytes.length().min(at + HASH_SLICE);
        let part = &mut slice[..(end - at) as usize];
        bytes.subarray(at, end).copy_to(part);
        sha256.update(part);
        at = end;
    }
    drop(slice);
    let assembler = Rc::new(RefCell::new(Assembler::with_limit(MAX_TABLE_BYTES)));
    let failed = Rc::new(RefCell::new(None::<String>));
    let on_chunk = {
        let (assembler, failed) = (Rc::clone(&assembler), Rc::clone(&failed));
        Closure::<dyn FnMut(js_sys::Uint8Array) -> bool>::new(move |view: js_sys::Uint8Array| {
            let mut assembler = assembler.borrow_mut();
            match assembler.push(&view.to_vec()) {
                Ok(()) => {
                    progress(assembler.rows());
                    true
                }
                Err(e) => {
                    *failed.borrow_mut() = Some(e.to_string());
                    false
                }
            }
        })
    };
    let promise = reader
        .call3(
            &JsValue::NULL,
            &JsValue::from(code),
            bytes,
            on_chunk.as_ref(),
        )
        .map_err(|e| crate::worker::js_error(&e))?;
    let outcome = JsFuture::from(js_sys::Promise::from(promise)).await;
    drop(on_chunk);
    if let Some(error) = failed.borrow_mut().take() {
        return Err(error);
    }
    outcome.map_err(|e| {
        // Core's own errors name the format already; a trap or a failed fetch does not.
        let message = crate::worker::js_error(&e);
        if message.starts_with("cannot read") {
            message
        } else {
            format!("cannot read the {format} input: {message}")
        }
    })?;
    let table = Rc::try_unwrap(assembler)
        .map_err(|_| "the columnar module kept its chunk callback".to_owned())?
        .into_inner()
        .finish()
        .map_err(|e| e.to_string())?;
    Ok(Decoded {
        table: std::sync::Arc::new(table),
        sha256: sha256.finish(),
        bytes: bytes.length() as usize,
    })
}
