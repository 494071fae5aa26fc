//! The notebook worker's engine workers: data-parallel work for large evaluations.
//!
//! The notebook's worker ([`crate::worker`]) is the coordinator. The first time an
//! evaluation is large enough ([`MIN_ROWS`]) it starts `hardwareConcurrency − 1`
//! engine workers (at least 1, at most [`MAX_WORKERS`]), each the same bundle loaded by
//! `worker.js` with `role=engine` in its query, whose `main` runs [`serve`] instead of
//! the notebook's loop. They are the coordinator's own (nested) workers: when the page
//! cancels by terminating the coordinator, the browser terminates them with it.
//!
//! What they run, each in contiguous parts with one for the coordinator itself:
//!
//! * **A model's batch** ([`run_model`], the async run of the page's engine,
//!   [`crate::engine::PageEngine`]): from [`MIN_MODEL_ROWS`] rows, core cuts the inputs
//!   into contiguous ranges of rows (`onnx::Model::split_rows`, at least
//!   [`MIN_ROWS_PER_PART`] each); each engine worker gets the model's bytes once (it
//!   loads its own `Model`, kept by sha256) and its range as typed arrays (a JSON header,
//!   `lockstep_web_wire`, names, shapes and types), runs it and sends its outputs back the
//!   same way; core merges the parts in order (`onnx::Model::merge_rows`) — bit for bit
//!   one run's outputs (`core/tests/onnx_split.rs`, and in Chromium
//!   `tests/browser/engine_workers.test.mjs`).
//! * **The report's headline bootstrap.** The coordinator cuts the replicates into one
//!   contiguous range per worker plus one for itself
//!   (`metrics::bootstrap::replicate_ranges`), sends each engine worker the job (a small
//!   JSON header, [`job_header`], and the labels and score columns as typed arrays whose
//!   buffers are transferred, not copied again), computes its own range meanwhile, and
//!   merges the ranges in order (`report::evaluate_with_replicates`). Every replicate
//!   draws from its own seeded stream, so the report is the same, bit for bit, as one
//!   worker's (`host::tests::the_bootstrap_in_parts_gives_the_same_evaluation`, and in
//!   Chromium `tests/browser/engine_workers.test.mjs`).
//!
//! Plain functions ([`job_header`], [`job_from`], [`worker_count`], [`workers_asked`])
//! are tested natively; the rest needs a browser.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Array, Float64Array, Function, Object, Promise, Reflect, Uint8Array, Uint32Array};
use lockstep_core::engine::EngineError;
use lockstep_core::metrics::bootstrap::{ReplicateRange, replicate_ranges};
use lockstep_core::onnx::{Model, Tensor};
use lockstep_core::report::{PrecomputedReplicates, ReplicateJob};
use lockstep_web_wire::{put_tensors, take_tensors};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker, WorkerOptions, WorkerType};

/// Fewer rows than this are bootstrapped in the notebook's worker alone: sending the
/// job costs more than it saves. Measured in Chromium on this project's 2-core machine
/// (`scripts/bench/page_scale.sh`): 1 M rows × 1,000 replicates take ≈ 18 s on one
/// worker; at 50 k rows one worker takes ≈ 1 s, where a second one still halves it.
pub const MIN_ROWS: usize = 50_000;

/// Fewer rows than this run a model in the notebook's worker alone.
pub const MIN_MODEL_ROWS: usize = 50_000;

/// The fewest rows of a model's batch an engine worker is sent.
pub const MIN_ROWS_PER_PART: usize = 25_000;

/// The most engine workers the coordinator starts.
pub const MAX_WORKERS: usize = 8;

/// The engine workers to start for `hardware_concurrency` logical cores: one per core
/// besides the coordinator's, at least 1, at most [`MAX_WORKERS`].
pub fn worker_count(hardware_concurrency: usize) -> usize {
    hardware_concurrency.saturating_sub(1).clamp(1, MAX_WORKERS)
}

/// The engine workers a page's query asks for (`?workers=N`, at most [`MAX_WORKERS`];
/// 0: none, everything runs in the notebook's worker), when it asks.
pub fn workers_asked(search: &str) -> Option<usize> {
    crate::query_value(search, "workers")
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| n.min(MAX_WORKERS))
}

/// The engine workers this notebook worker uses: what its query asks for, else one per
/// other core ([`worker_count`]).
fn engine_workers() -> usize {
    let search = get(&get(&js_sys::global(), "location"), "search")
        .as_string()
        .unwrap_or_default();
    workers_asked(&search).unwrap_or_else(|| worker_count(hardware_concurrency()))
}

/// Whether this notebook worker has engine workers to share work with.
pub fn enabled() -> bool {
    engine_workers() > 0
}

/// What travels beside the typed arrays: the job without its rows, and its two
/// floats as bits (JSON text need not give back every `f64` bit for bit).
#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    job: ReplicateJob,
    threshold_bits: u64,
    confidence_bits: u64,
}

/// The job without its rows, as JSON.
pub fn job_header(job: &ReplicateJob) -> String {
    let header = Header {
        job: ReplicateJob {
            classes: job.classes,
            labels: Vec::new(),
            columns: Vec::new(),
            probabilistic: job.probabilistic,
            threshold: job.threshold,
            bins: job.bins,
            equal_mass_bins: job.equal_mass_bins,
            replicates: job.replicates,
            seed: job.seed,
            confidence: job.confidence,
            method: job.method,
        },
        threshold_bits: job.threshold.to_bits(),
        confidence_bits: job.confidence.to_bits(),
    };
    serde_json::to_string(&header).unwrap_or_default()
}

/// The job a header and its rows make again (an engine worker's side of [`job_header`]).
pub fn job_from(
    header: &str,
    labels: Vec<u32>,
    columns: Vec<Vec<f64>>,
) -> Result<ReplicateJob, String> {
    let header: Header =
        serde_json::from_str(header).map_err(|e| format!("a malformed replicate job: {e}"))?;
    if let Some(c) = columns.iter().find(|c| c.len() != labels.len()) {
        return Err(format!(
            "a replicate job with {} labels but a column of {} rows",
            labels.len(),
            c.len()
        ));
    }
    Ok(ReplicateJob {
        labels,
        columns,
        threshold: f64::from_bits(header.threshold_bits),
        confidence: f64::from_bits(header.confidence_bits),
        ..header.job
    })
}

/// Whether `job` is worth the engine workers.
pub fn worth_splitting(job: &ReplicateJob) -> bool {
    job.rows() >= MIN_ROWS && job.replicates >= 2
}

fn js_error(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

type Settle = (Function, Function);

/// The coordinator's engine workers and their calls in flight.
struct Pool {
    workers: Vec<Worker>,
    /// The sha256 of the model each worker last loaded: its bytes are sent only once.
    models: RefCell<Vec<Option<String>>>,
    next_id: std::cell::Cell<u64>,
    pending: Rc<RefCell<HashMap<u64, Settle>>>,
    _handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _error_handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

thread_local! {
    static POOL: RefCell<Option<Rc<Pool>>> = const { RefCell::new(None) };
    /// Where a model run on the engine workers says so ([`with_progress`]).
    static PROGRESS: RefCell<Option<Progress>> = const { RefCell::new(None) };
}

/// A command's progress line.
pub type Progress = Rc<dyn Fn(String)>;

/// Runs `future` with model runs on the engine workers said to `progress` (the command's
/// progress line: the engine seam has no channel for it).
pub async fn with_progress<T>(progress: Progress, future: impl Future<Output = T>) -> T {
    PROGRESS.with(|p| *p.borrow_mut() = Some(progress));
    let out = future.await;
    PROGRESS.with(|p| *p.borrow_mut() = None);
    out
}

fn say(stage: String) {
    if let Some(progress) = PROGRESS.with(|p| p.borrow().clone()) {
        progress(stage);
    }
}

/// `navigator.hardwareConcurrency` of this worker (1 when unknown).
fn hardware_concurrency() -> usize {
    let navigator = get(&js_sys::global(), "navigator");
    get(&navigator, "hardwareConcurrency")
        .as_f64()
        .map_or(1, |n| n.max(1.0) as usize)
}

/// This worker's own URL with `role=engine` added: the same `worker.js` and bundle.
fn engine_url() -> Result<String, String> {
    let href = get(&get(&js_sys::global(), "location"), "href")
        .as_string()
        .ok_or("this worker has no location")?;
    let glue = if href.contains('?') { '&' } else { '?' };
    Ok(format!("{href}{glue}role=engine"))
}

fn start() -> Result<Rc<Pool>, String> {
    let url = engine_url()?;
    let pending: Rc<RefCell<HashMap<u64, Settle>>> = Rc::default();
    let mut workers = Vec::new();
    let mut handlers = Vec::new();
    let mut error_handlers = Vec::new();
    for _ in 0..engine_workers() {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(&url, &options)
            .map_err(|e| format!("cannot start an engine worker: {}", js_error(&e)))?;
        let calls = pending.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let Some(id) = get(&data, "id").as_f64() else {
                return;
            };
            let Some((resolve, reject)) = calls.borrow_mut().remove(&(id as u64)) else {
                return;
            };
            let error = get(&data, "error");
            if error.is_undefined() {
                let _ = resolve.call1(&JsValue::NULL, &get(&data, "result"));
            } else {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // A worker that fails (it could not load, or ran out of memory) fails every
        // call in flight: the coordinator then computes the whole job itself.
        let calls = pending.clone();
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            let what = get(&event, "message").as_string().unwrap_or_default();
            let message = JsValue::from_str(&format!("an engine worker failed: {what}"));
            for (_, (_, reject)) in calls.borrow_mut().drain() {
                let _ = reject.call1(&JsValue::NULL, &message);
            }
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        workers.push(worker);
        handlers.push(on_message);
        error_handlers.push(on_error);
    }
    Ok(Rc::new(Pool {
        models: RefCell::new(vec![None; workers.len()]),
        workers,
        next_id: std::cell::Cell::new(1),
        pending,
        _handlers: handlers,
        _error_handlers: error_handlers,
    }))
}

fn pool() -> Result<Rc<Pool>, String> {
    if let Some(pool) = POOL.with(|p| p.borrow().clone()) {
        return Ok(pool);
    }
    let pool = start()?;
    POOL.with(|p| *p.borrow_mut() = Some(pool.clone()));
    Ok(pool)
}

/// Drops the engine workers (after one failed): the next large job starts fresh ones.
fn stop() {
    if let Some(pool) = POOL.with(|p| p.borrow_mut().take()) {
        for w in &pool.workers {
            w.terminate();
        }
    }
}

impl Pool {
    /// Posts `message` (with `transfer`) to worker `index` now; the future settles with
    /// its reply's `result`, or fails with its `error`.
    fn call(&self, index: usize, message: &Object, transfer: &Array) -> Result<JsFuture, String> {
        let worker = self.workers.get(index).ok_or("no such engine worker")?;
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let _ = Reflect::set(message, &"id".into(), &JsValue::from_f64(id as f64));
        let pending = self.pending.clone();
        let promise = Promise::new(&mut |resolve, reject| {
            pending.borrow_mut().insert(id, (resolve, reject));
        });
        if let Err(e) = worker.post_message_with_transfer(message, transfer) {
            self.pending.borrow_mut().remove(&id);
            return Err(format!("cannot reach an engine worker: {}", js_error(&e)));
        }
        Ok(JsFuture::from(promise))
    }
}

/// The page engine's async run ([`crate::engine::PageEngine`]): a batch of at least
/// [`MIN_MODEL_ROWS`] rows that the model can split runs in contiguous parts on the
/// engine workers and this worker together, merged in order by core; anything else,
/// and any failure of the engine workers (then stopped, and said on the console), runs
/// here whole — the same outputs either way, and the same errors.
pub async fn run_model(
    engine: &crate::engine::PageEngine,
    inputs: &[(&str, &Tensor)],
) -> Result<Vec<(String, Tensor)>, EngineError> {
    let model = engine.model();
    let rows = inputs
        .first()
        .and_then(|(_, t)| t.shape().first().copied())
        .unwrap_or(0);
    if rows < MIN_MODEL_ROWS || !enabled() {
        return Ok(model.run(inputs)?);
    }
    let parts = engine_workers() + 1;
    let Some(parts) = model.split_rows(inputs, parts, MIN_ROWS_PER_PART)? else {
        return Ok(model.run(inputs)?);
    };
    match model_parts(engine, parts).await {
        Ok(outputs) => Ok(outputs),
        Err(e) => {
            stop();
            web_sys::console::warn_1(&JsValue::from_str(&format!(
                "lockstep: the engine workers failed ({e}); running the model in this worker"
            )));
            Ok(model.run(inputs)?)
        }
    }
}

/// Sends every part but the first to an engine worker (the model's bytes with it, the
/// first time that worker sees this model), runs the first here meanwhile, and merges.
async fn model_parts(
    engine: &crate::engine::PageEngine,
    parts: Vec<Vec<(String, Tensor)>>,
) -> Result<Vec<(String, Tensor)>, String> {
    let pool = pool()?;
    let rows: usize = parts
        .iter()
        .filter_map(|p| p.first().and_then(|(_, t)| t.shape().first().copied()))
        .sum();
    say(format!("model: {rows} rows on {} workers", parts.len()));
    let mut parts = parts.into_iter();
    let first = parts.next().ok_or("no rows to run")?;
    let mut calls = Vec::new();
    for (index, part) in parts.enumerate() {
        let message = Object::new();
        let transfer = Array::new();
        let _ = Reflect::set(&message, &"kind".into(), &"run".into());
        let _ = Reflect::set(&message, &"key".into(), &engine.sha256().into());
        let loaded = pool.models.borrow().get(index).cloned().flatten();
        if loaded.as_deref() != Some(engine.sha256()) {
            let bytes = Uint8Array::from(engine.raw());
            transfer.push(&bytes.buffer());
            let _ = Reflect::set(&message, &"model".into(), &bytes);
        }
        put_tensors(&message, &part, &transfer);
        drop(part);
        calls.push(pool.call(index, &message, &transfer)?);
        if let Some(slot) = pool.models.borrow_mut().get_mut(index) {
            *slot = Some(engine.sha256().to_owned());
        }
    }
    let refs: Vec<(&str, &Tensor)> = first.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut outputs = vec![engine.model().run(&refs).map_err(|e| e.to_string())?];
    drop(first);
    for call in calls {
        let reply = call.await.map_err(|e| js_error(&e))?;
        outputs.push(take_tensors(&reply)?);
    }
    engine
        .model()
        .merge_rows(outputs)
        .ok_or_else(|| "the engine workers' outputs do not fit the model".to_owned())
}

/// Runs `job`'s replicates on the engine workers and this worker together: the ranges
/// in order, for `report::evaluate_with_replicates`. `progress` hears how many workers.
pub async fn replicates(
    job: &ReplicateJob,
    progress: &dyn Fn(String),
) -> Result<PrecomputedReplicates, String> {
    let result = run_parts(job, progress).await;
    if result.is_err() {
        stop();
    }
    result
}

async fn run_parts(
    job: &ReplicateJob,
    progress: &dyn Fn(String),
) -> Result<PrecomputedReplicates, String> {
    let pool = pool()?;
    let ranges = replicate_ranges(job.replicates, pool.workers.len() + 1);
    let header = job_header(job);
    let mut calls = Vec::new();
    for (index, range) in ranges.iter().enumerate().skip(1) {
        let labels = Uint32Array::from(job.labels.as_slice());
        let columns = Array::new();
        let transfer = Array::new();
        transfer.push(&labels.buffer());
        for c in &job.columns {
            let column = Float64Array::from(c.as_slice());
            transfer.push(&column.buffer());
            columns.push(&column);
        }
        let message = Object::new();
        let _ = Reflect::set(&message, &"kind".into(), &"bootstrap".into());
        let _ = Reflect::set(&message, &"job".into(), &header.as_str().into());
        let _ = Reflect::set(&message, &"labels".into(), &labels);
        let _ = Reflect::set(&message, &"columns".into(), &columns);
        let _ = Reflect::set(&message, &"start".into(), &range.start.into());
        let _ = Reflect::set(&message, &"end".into(), &range.end.into());
        calls.push(pool.call(index - 1, &message, &transfer)?);
    }
    progress(format!(
        "bootstrap: {} replicates of {} rows on {} workers",
        job.replicates,
        job.rows(),
        ranges.len()
    ));
    // This worker's own range, while the others compute theirs.
    let first = ranges.first().cloned().unwrap_or(0..0);
    let mut parts = vec![job.run(first).map_err(|e| e.to_string())?];
    for call in calls {
        let reply = call.await.map_err(|e| js_error(&e))?;
        let text = reply
            .as_string()
            .ok_or("an engine worker's reply is not text")?;
        let part: ReplicateRange = serde_json::from_str(&text)
            .map_err(|e| format!("an engine worker's unreadable reply: {e}"))?;
        parts.push(part);
    }
    Ok(PrecomputedReplicates {
        job: job.clone(),
        ranges: parts,
    })
}

thread_local! {
    /// An engine worker's model, by the sha256 of its bytes.
    static MODEL: RefCell<Option<(String, Rc<Model>)>> = const { RefCell::new(None) };
}

/// One message to an engine worker: a model's part of rows (`kind: "run"`) or a
/// bootstrap job's range; the reply's `result` and the buffers it transfers.
fn handle(data: &JsValue) -> Result<(JsValue, Array), String> {
    match get(data, "kind").as_string().as_deref() {
        Some("run") => run_part(data),
        Some("bootstrap") => Ok((bootstrap_range(data)?.into(), Array::new())),
        other => Err(format!("an engine worker cannot do {other:?}")),
    }
}

/// A model's part: the model loaded when its bytes come along, the rows run, the
/// outputs sent back as typed arrays.
fn run_part(data: &JsValue) -> Result<(JsValue, Array), String> {
    let key = get(data, "key")
        .as_string()
        .ok_or("a model run without its model's sha256")?;
    if let Ok(bytes) = get(data, "model").dyn_into::<Uint8Array>() {
        let model = crate::view::model::load_model(&bytes.to_vec())?;
        MODEL.with(|m| *m.borrow_mut() = Some((key.clone(), Rc::new(model))));
    }
    let model = MODEL
        .with(|m| {
            m.borrow()
                .as_ref()
                .filter(|(k, _)| *k == key)
                .map(|(_, model)| model.clone())
        })
        .ok_or_else(|| format!("this engine worker does not hold model {key}"))?;
    let inputs = take_tensors(data)?;
    let refs: Vec<(&str, &Tensor)> = inputs.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let outputs = model.run(&refs).map_err(|e| e.to_string())?;
    drop(inputs);
    let reply = Object::new();
    let transfer = Array::new();
    put_tensors(&reply, &outputs, &transfer);
    Ok((reply.into(), transfer))
}

/// A bootstrap job's range, computed; the reply's text.
fn bootstrap_range(data: &JsValue) -> Result<String, String> {
    let header = get(data, "job")
        .as_string()
        .ok_or("a message without a job")?;
    let labels = get(data, "labels")
        .dyn_into::<Uint32Array>()
        .map_err(|_| "a job without its labels")?
        .to_vec();
    let columns = get(data, "columns")
        .dyn_into::<Array>()
        .map_err(|_| "a job without its columns")?
        .iter()
        .map(|c| {
            c.dyn_into::<Float64Array>()
                .map(|c| c.to_vec())
                .map_err(|_| "a job's column is not a Float64Array".to_owned())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let job = job_from(&header, labels, columns)?;
    let start = get(data, "start")
        .as_f64()
        .ok_or("a job without its range")? as u32;
    let end = get(data, "end").as_f64().ok_or("a job without its range")? as u32;
    let part = job.run(start..end).map_err(|e| e.to_string())?;
    serde_json::to_string(&part).map_err(|e| e.to_string())
}

fn answer(event: &JsValue) {
    let data = event
        .dyn_ref::<MessageEvent>()
        .map_or(JsValue::UNDEFINED, MessageEvent::data);
    let reply = Object::new();
    let _ = Reflect::set(&reply, &"id".into(), &get(&data, "id"));
    let transfer = match handle(&data) {
        Ok((result, transfer)) => {
            let _ = Reflect::set(&reply, &"result".into(), &result);
            transfer
        }
        Err(error) => {
            let _ = Reflect::set(&reply, &"error".into(), &error.into());
            Array::new()
        }
    };
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let _ = scope.post_message_with_transfer(&reply, &transfer);
}

/// Whether this worker was started as an engine worker (`role=engine`).
pub fn is_engine_worker() -> bool {
    get(&get(&js_sys::global(), "location"), "search")
        .as_string()
        .is_some_and(|s| s.contains("role=engine"))
}

/// An engine worker's loop: answers each job in turn (the ones `worker.js` queued
/// while the wasm loaded first).
pub fn serve() {
    console_error_panic_hook::set_once();
    let early = Reflect::get(&js_sys::global(), &JsValue::from_str("lockstepQueued"))
        .ok()
        .and_then(|v| v.dyn_into::<Array>().ok());
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        answer(&event);
    });
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    if let Some(early) = early {
        for event in early.iter() {
            answer(&event);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_page_s_query_can_ask_for_a_number_of_engine_workers() {
        assert_eq!(workers_asked(""), None);
        assert_eq!(workers_asked("?glue=a.js&role=engine"), None);
        assert_eq!(workers_asked("?workers=0"), Some(0));
        assert_eq!(workers_asked("?glue=a.js&workers=3&role=engine"), Some(3));
        assert_eq!(workers_asked("?workers=99"), Some(MAX_WORKERS));
        assert_eq!(workers_asked("?workers=many"), None);
    }

    #[test]
    fn one_engine_worker_per_other_core_within_bounds() {
        assert_eq!(
            [0, 1, 2, 4, 8, 9, 64].map(worker_count),
            [1, 1, 1, 3, 7, 8, 8]
        );
    }

    #[test]
    fn a_job_travels_as_a_header_and_its_rows() {
        let job = ReplicateJob {
            classes: 2,
            labels: vec![0, 1, 1],
            columns: vec![vec![0.1, 0.8, 0.6]],
            probabilistic: true,
            threshold: 0.5,
            bins: 10,
            equal_mass_bins: true,
            replicates: 7,
            seed: 3,
            confidence: 0.9,
            method: lockstep_core::metrics::bootstrap::BootstrapMethod::Poisson,
        };
        let header = job_header(&job);
        assert!(!header.contains("0.8"), "{header}");
        assert_eq!(
            job_from(&header, job.labels.clone(), job.columns.clone()).unwrap(),
            job
        );
        let e = job_from(&header, vec![0, 1], job.columns.clone()).unwrap_err();
        assert_eq!(e, "a replicate job with 2 labels but a column of 3 rows");
        assert!(
            job_from("{", vec![], vec![])
                .unwrap_err()
                .starts_with("a malformed")
        );
        assert!(!worth_splitting(&job));
    }
}
