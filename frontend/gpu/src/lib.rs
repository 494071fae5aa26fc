//! The page's WebGPU engine: lockstep-core's GPU engine (`gpu::GpuEngine`, wgpu on the
//! browser's WebGPU) in a wasm module of its own. The notebook's worker imports it
//! (`self.lockstepGpu` in `www/worker.js`) the first time a model runs with
//! `?backend=gpu` or `?backend=auto` on the page's URL, so the app's bundle never
//! carries wgpu. One export, [`run`]: a model's inputs in (the message the engine
//! workers take: `key`, the model's bytes the first time, `tensors` and `arrays`,
//! `lockstep_web_wire`), and either the outputs with which backend ran and why and the
//! run's deviation from the CPU engine on its first 1,000 rows (core's
//! `gpu::check_sample`), or — no adapter, or `auto` found the CPU faster — only why, and
//! the worker runs the model on the CPU engine itself. With `parity` set, the Models
//! cell's parity check instead: every row on the GPU and on the CPU engine, compared
//! under the model's tier (core's `gpu::parity`), as `[sentence, [[output, verdict,
//! detail], …]]` in JSON.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Object, Reflect, Uint8Array};
use lockstep_core::gpu::{Backend, GpuOptions, Loaded, Picked, check_sample, load_async, parity};
use lockstep_core::onnx::{Model, Tensor};
use lockstep_web_wire::{get, put_tensors, take_tensors};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

thread_local! {
    /// The loaded model by its sha256 and backend (the adapter, the device, the
    /// compiled kernels and, for `auto`, its timing are kept for the next run).
    static LOADED: RefCell<Option<(String, String, Rc<Loaded>)>> = const { RefCell::new(None) };
    /// The model's bytes by its sha256, sent once: a backend not loaded yet (`gpu` for
    /// the parity view after an `auto` run) loads from them.
    static BYTES: RefCell<Option<(String, Rc<[u8]>)>> = const { RefCell::new(None) };
}

fn seconds() -> f64 {
    let performance = get(&js_sys::global(), "performance");
    Reflect::get(&performance, &"now".into())
        .ok()
        .and_then(|now| now.dyn_into::<js_sys::Function>().ok())
        .and_then(|now| now.call0(&performance).ok())
        .and_then(|ms| ms.as_f64())
        .map_or(0.0, |ms| ms / 1e3)
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &key.into(), value);
}

/// The engine `message` asks for, loaded once per model and backend.
async fn loaded(message: &JsValue) -> Result<Rc<Loaded>, String> {
    let key = get(message, "key")
        .as_string()
        .ok_or("a model run without its model's sha256")?;
    let asked = get(message, "backend")
        .as_string()
        .unwrap_or_else(|| "gpu".into());
    let backend = match asked.as_str() {
        "gpu" => Backend::Gpu,
        "auto" => Backend::Auto,
        other => return Err(format!("unknown backend `{other}` (core, gpu or auto)")),
    };
    if let Ok(model) = get(message, "model").dyn_into::<Uint8Array>() {
        BYTES.with(|b| *b.borrow_mut() = Some((key.clone(), model.to_vec().into())));
    }
    let held = LOADED.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(k, b, _)| *k == key && *b == asked)
            .map(|(_, _, loaded)| loaded.clone())
    });
    if let Some(loaded) = held {
        return Ok(loaded);
    }
    let bytes = BYTES
        .with(|b| {
            b.borrow()
                .as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, bytes)| bytes.clone())
        })
        .ok_or_else(|| format!("the WebGPU module does not hold model {key}"))?;
    let model = Model::from_bytes(&bytes).map_err(|e| format!("cannot load the model: {e}"))?;
    let loaded = Rc::new(load_async(model, backend, &GpuOptions::default(), &seconds).await);
    LOADED.with(|l| *l.borrow_mut() = Some((key, asked, loaded.clone())));
    Ok(loaded)
}

async fn run_model(message: JsValue) -> Result<JsValue, String> {
    let loaded = loaded(&message).await?;
    let reply = Object::new();
    set(&reply, "backend", &loaded.backend.into());
    set(&reply, "why", &loaded.why.as_str().into());
    let Picked::Gpu(engine) = &loaded.engine else {
        // The CPU engine: the worker runs it (on its engine workers); a parity check
        // has nothing to compare.
        if get(&message, "parity").is_truthy() {
            return Err(loaded.why.clone());
        }
        return Ok(reply.into());
    };
    let inputs = take_tensors(&message)?;
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    if get(&message, "parity").is_truthy() {
        // The Models cell's parity view: every row on both engines, under the model's
        // tier, as a sentence and a row per output.
        let p = parity(engine, &refs, &seconds)
            .await
            .map_err(|e| e.to_string())?;
        let rows: Vec<[String; 3]> = p
            .outputs
            .iter()
            .map(|o| [o.output.clone(), o.verdict().to_owned(), o.detail()])
            .collect();
        let text = serde_json::to_string(&(p.summary(), rows)).map_err(|e| e.to_string())?;
        set(&reply, "parity", &text.into());
        return Ok(reply.into());
    }
    let outputs = engine
        .run_async(&refs)
        .await
        .map_err(|e| format!("the GPU engine failed: {e}"))?;
    let check = check_sample(engine.model(), &refs, &outputs)
        .await
        .map_err(|e| format!("the CPU engine's sample check failed: {e}"))?;
    drop(inputs);
    let check = serde_json::json!({
        "rows": check.rows,
        "max_abs_diff": check.max_abs_diff,
        "passed": check.passed(),
    });
    set(&reply, "check", &check.to_string().into());
    let transfer = Array::new();
    put_tensors(&reply, &outputs, &transfer);
    set(&reply, "transfer", &transfer);
    Ok(reply.into())
}

/// Runs a model's inputs on the GPU engine (see the module docs). The reply's
/// `transfer` lists the output buffers to hand over rather than copy.
#[wasm_bindgen]
pub async fn run(message: JsValue) -> Result<JsValue, JsValue> {
    run_model(message).await.map_err(|e| JsValue::from_str(&e))
}
