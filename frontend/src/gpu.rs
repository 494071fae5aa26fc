//! The page's backend choice and its WebGPU engine. `?backend=gpu` (or `auto`, or
//! `core`, the default) on the page's URL reaches the notebook worker's URL (as
//! `?workers=N` does); with `gpu` or `auto`, a model's run (the page engine's async run,
//! [`crate::engine::PageEngine`]) goes first to the WebGPU module (`frontend/gpu`,
//! `lockstep-gpu-web`), which `www/worker.js` imports the first time
//! (`self.lockstepGpu`). It answers with the outputs, which backend ran and why, and the
//! run's largest deviation from the CPU engine on its first 1,000 rows — or, without an
//! adapter (a browser without WebGPU) or when `auto` timed the CPU faster, with only
//! why, and the model runs on the CPU engine (and its engine workers) instead. What ran
//! and why is the engine line ([`take_note`]) of the cell whose models ran: Evaluate,
//! Slices, Compare, Gate, Diagnose and Error analysis.
//!
//! [`backend_asked`] and [`note`] are plain and tested natively; the rest needs a
//! browser.

use std::cell::RefCell;

/// The engine a page asks models to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// lockstep-core's CPU engine (the default).
    Core,
    /// The GPU engine on the browser's WebGPU, the CPU engine without an adapter.
    Gpu,
    /// The GPU when it beats the CPU engine on a timed sample batch, else the CPU.
    Auto,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Core => "core",
            Backend::Gpu => "gpu",
            Backend::Auto => "auto",
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = String;

    /// `core` (or `cpu`), `gpu` or `auto`; anything else is named.
    fn from_str(value: &str) -> Result<Backend, String> {
        match value {
            "core" | "cpu" => Ok(Backend::Core),
            "gpu" => Ok(Backend::Gpu),
            "auto" => Ok(Backend::Auto),
            other => Err(format!(
                "unknown backend `{}` (core, gpu or auto)",
                lockstep_core::excerpt::excerpt(other)
            )),
        }
    }
}

/// The backend a page's query asks for (`?backend=core|gpu|auto`); `Ok(None)` when it
/// does not ask, an error naming the value when it is none of these.
pub fn backend_asked(search: &str) -> Result<Option<Backend>, String> {
    crate::query_value(search, "backend")
        .map(|value| {
            value
                .parse()
                .map_err(|e| format!("{e} in the page's address (?backend=)"))
        })
        .transpose()
}

thread_local! {
    /// The backend picked on the page (the Models cell's Engine control), over the
    /// query's.
    static CHOSEN: std::cell::Cell<Option<Backend>> = const { std::cell::Cell::new(None) };
}

/// The Models cell's Engine control: models run on `name` from now on (the worker's
/// choice; the page keeps its own copy for the control, [`chosen`]).
pub fn choose(name: &str) -> Result<(), String> {
    let backend = name.parse()?;
    CHOSEN.with(|c| c.set(Some(backend)));
    Ok(())
}

/// The backend last chosen with [`choose`] in this wasm instance.
pub fn chosen() -> Option<Backend> {
    CHOSEN.with(std::cell::Cell::get)
}

/// A cell's engine line for one model run: the model, the backend that ran it, why,
/// and a GPU run's check against the CPU engine (`rows` compared, the largest
/// difference, within the tier).
pub fn note(model: &str, backend: &str, why: &str, check: Option<(usize, f64, bool)>) -> String {
    let mut line = format!("{model} ran on `{backend}`: {why}.");
    if let Some((rows, diff, passed)) = check {
        line.push_str(&format!(
            " Largest difference from the CPU engine on the first {rows} rows: {diff:.3e} ({}).",
            if passed {
                "within the tolerance tier"
            } else {
                "OVER the tolerance tier"
            }
        ));
    }
    line
}

thread_local! {
    /// What the model runs on the GPU path said since the last reply, in order (a
    /// comparison runs two models, a diagnosis up to four sets), each line once.
    static NOTES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The engine lines of the model runs since the last call, in the order they ran,
/// each once (none on the CPU default).
pub fn take_note() -> Option<String> {
    let lines = NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()));
    (!lines.is_empty()).then(|| lines.join(" "))
}

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn set_note(line: String) {
    NOTES.with(|n| {
        let mut lines = n.borrow_mut();
        if !lines.contains(&line) {
            lines.push(line);
        }
    });
}

#[cfg(target_arch = "wasm32")]
pub use browser::{asked, parity, run_model};

/// Natively (the host's tests) there is no page address: the backend chosen, else core.
#[cfg(not(target_arch = "wasm32"))]
pub fn asked() -> Backend {
    CHOSEN.with(std::cell::Cell::get).unwrap_or(Backend::Core)
}

/// Natively there is no WebGPU to check.
#[cfg(not(target_arch = "wasm32"))]
pub async fn parity(
    _engine: &crate::engine::PageEngine,
    _inputs: &[(String, lockstep_core::onnx::Tensor)],
) -> (String, Vec<Vec<String>>) {
    ("WebGPU runs only in the browser".into(), vec![])
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use std::cell::RefCell;

    use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
    use lockstep_core::engine::EngineError;
    use lockstep_core::onnx::Tensor;
    use lockstep_web_wire::{get, put_tensors, take_tensors};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{Backend, backend_asked, note, set_note};
    use crate::engine::PageEngine;

    thread_local! {
        /// The sha256 of the model the WebGPU module holds.
        static SENT: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// The backend this worker's query asks for; an unknown one is said once as the
    /// engine line and the CPU engine runs.
    pub fn asked() -> Backend {
        if let Some(chosen) = super::CHOSEN.with(std::cell::Cell::get) {
            return chosen;
        }
        let search = get(&get(&js_sys::global(), "location"), "search")
            .as_string()
            .unwrap_or_default();
        backend_asked(&search)
            .unwrap_or_else(|e| {
                set_note(format!("{e}; the CPU engine ran"));
                None
            })
            .unwrap_or(Backend::Core)
    }

    /// Runs `inputs` through the WebGPU module: `Ok(Some(outputs))` when the GPU engine
    /// ran them, `Ok(None)` when the CPU engine should (no adapter, `auto` chose it, or
    /// the module failed: said in the engine line).
    pub async fn run_model(
        engine: &PageEngine,
        backend: Backend,
        inputs: &[(&str, &Tensor)],
    ) -> Result<Option<Vec<(String, Tensor)>>, EngineError> {
        match try_run(engine, backend, inputs).await {
            Ok(outputs) => Ok(outputs),
            Err(e) => {
                set_note(note(
                    engine.model_name(),
                    "core",
                    &format!("the GPU engine failed ({e}); the CPU engine ran instead"),
                    None,
                ));
                Ok(None)
            }
        }
    }

    /// The WebGPU module's message for a model run (`parity`: a parity check instead),
    /// the inputs copied into it, ready for [`send`].
    fn message(
        engine: &PageEngine,
        backend: Backend,
        inputs: &[(String, Tensor)],
        parity: bool,
    ) -> Object {
        let message = Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = Reflect::set(&message, &k.into(), v);
        };
        set("key", &engine.sha256().into());
        set("backend", &backend.name().into());
        set("parity", &parity.into());
        if SENT.with(|s| s.borrow().as_deref() != Some(engine.sha256())) {
            set("model", &Uint8Array::from(engine.raw()).into());
        }
        put_tensors(&message, inputs, &Array::new());
        message
    }

    /// Sends the WebGPU module `message` and awaits its reply.
    async fn send(engine: &PageEngine, message: Object) -> Result<JsValue, String> {
        let run = get(&js_sys::global(), "lockstepGpu")
            .dyn_into::<Function>()
            .map_err(|_| "this worker has no WebGPU module loader")?;
        let promise = run
            .call1(&JsValue::NULL, &message)
            .map_err(|e| crate::worker::js_error(&e))?
            .dyn_into::<Promise>()
            .map_err(|_| "the WebGPU module did not answer with a promise")?;
        let reply = JsFuture::from(promise).await;
        SENT.with(|s| *s.borrow_mut() = reply.is_ok().then(|| engine.sha256().to_owned()));
        reply.map_err(|e| crate::worker::js_error(&e))
    }

    /// The Models cell's parity check: the WebGPU run of every row against the CPU
    /// engine's (core's `gpu::parity`, in the WebGPU module) as a sentence and a row
    /// per output (output, verdict, detail); or why it could not run.
    pub async fn parity(
        engine: &PageEngine,
        inputs: &[(String, Tensor)],
    ) -> (String, Vec<Vec<String>>) {
        let reply = send(engine, message(engine, Backend::Gpu, inputs, true)).await;
        match reply.map(|r| get(&r, "parity").as_string()) {
            Ok(Some(text)) => serde_json::from_str(&text)
                .unwrap_or_else(|e| (format!("an unreadable parity reply: {e}"), vec![])),
            Ok(None) => (
                "the WebGPU module answered without a parity check".into(),
                vec![],
            ),
            Err(e) => (format!("parity not checked: {e}"), vec![]),
        }
    }

    async fn try_run(
        engine: &PageEngine,
        backend: Backend,
        inputs: &[(&str, &Tensor)],
    ) -> Result<Option<Vec<(String, Tensor)>>, String> {
        // The seam lends the inputs; the wire takes them owned (one copy, dropped once
        // they are in the message).
        let owned: Vec<(String, Tensor)> = inputs
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).clone()))
            .collect();
        let message = message(engine, backend, &owned, false);
        drop(owned);
        let reply = send(engine, message).await?;
        let ran = get(&reply, "backend").as_string().unwrap_or_default();
        let why = get(&reply, "why").as_string().unwrap_or_default();
        if ran != "gpu" {
            set_note(note(engine.model_name(), &ran, &why, None));
            return Ok(None);
        }
        let check = get(&reply, "check")
            .as_string()
            .and_then(|c| serde_json::from_str::<serde_json::Value>(&c).ok())
            .map(|c| {
                (
                    c["rows"].as_u64().unwrap_or(0) as usize,
                    c["max_abs_diff"].as_f64().unwrap_or(f64::NAN),
                    c["passed"].as_bool().unwrap_or(false),
                )
            });
        set_note(note(engine.model_name(), "gpu", &why, check));
        take_tensors(&reply).map(Some)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_page_s_query_picks_the_backend() {
        assert_eq!(backend_asked(""), Ok(None));
        assert_eq!(backend_asked("?workers=2"), Ok(None));
        assert_eq!(backend_asked("?backend=gpu"), Ok(Some(Backend::Gpu)));
        assert_eq!(
            backend_asked("?glue=a.js&backend=auto&workers=1"),
            Ok(Some(Backend::Auto))
        );
        assert_eq!(backend_asked("?backend=core"), Ok(Some(Backend::Core)));
        assert_eq!(
            backend_asked("?backend=tpu").unwrap_err(),
            "unknown backend `tpu` (core, gpu or auto) in the page's address (?backend=)"
        );
        assert_eq!(backend_asked("?backends=gpu"), Ok(None));
    }

    #[test]
    fn the_engine_control_picks_the_backend_over_the_query() {
        assert_eq!(
            choose("tpu").unwrap_err(),
            "unknown backend `tpu` (core, gpu or auto)"
        );
        choose("auto").unwrap();
        assert_eq!(CHOSEN.with(std::cell::Cell::get), Some(Backend::Auto));
        choose("cpu").unwrap();
        assert_eq!(CHOSEN.with(std::cell::Cell::get), Some(Backend::Core));
    }

    #[test]
    fn the_engine_line_keeps_every_model_run_s_line_once_in_order() {
        assert_eq!(take_note(), None);
        set_note("a".into());
        set_note("b".into());
        set_note("a".into());
        assert_eq!(take_note().as_deref(), Some("a b"));
        assert_eq!(take_note(), None);
    }

    #[test]
    fn the_engine_line_says_what_ran_why_and_how_far_from_the_cpu() {
        assert_eq!(
            note(
                "m.onnx",
                "core",
                "no WebGPU adapter; running on the CPU engine instead",
                None
            ),
            "m.onnx ran on `core`: no WebGPU adapter; running on the CPU engine instead."
        );
        let line = note(
            "m.onnx",
            "gpu",
            "the GPU engine was asked for",
            Some((1000, 0.0, true)),
        );
        assert!(
            line.ends_with("first 1000 rows: 0.000e0 (within the tolerance tier)."),
            "{line}"
        );
        assert!(
            note("m.onnx", "gpu", "x", Some((5, 1.0, false))).contains("OVER the tolerance tier")
        );
    }
}
