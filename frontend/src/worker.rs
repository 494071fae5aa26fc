//! The worker's side (wasm32 only): the dedicated Web Worker loads the page's own wasm
//! bundle (`www/worker.js` imports it), and `main` hands control here instead of
//! mounting the page. Commands are handled one at a time, in order, by a [`Host`];
//! files are read here, from the `File` objects the page posted.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::host::Host;
use crate::notebook::FileKind;
use crate::protocol::{Command, Reply, Request, Response};

/// The demo's files and their roles, fetched from the page's origin under
/// [`DEMO_DIR`] (Trunk copies `www/demo/`; `scripts/fixtures/gen_notebook_demo.py`
/// makes them).
pub const DEMO_FILES: [(&str, &str); 9] = [
    ("train.csv", "training"),
    ("train_dev.csv", "train_dev"),
    ("dev.csv", "dev"),
    ("test.csv", "test"),
    ("pipeline.json", ""),
    ("champion.onnx", "champion"),
    ("challenger.onnx", "challenger"),
    ("predictions-1.jsonl", "serving"),
    ("predictions-2.jsonl", "serving"),
];

pub const DEMO_DIR: &str = "demo/notebook";

/// The largest file the worker reads. wasm32 memory stops at 4 GiB and a table takes
/// several times its CSV's size while it is read (issue 13: a 882 MB CSV ended in
/// `RuntimeError: unreachable`); past this the page says so before reading anything.
pub const MAX_FILE_BYTES: f64 = 512.0 * 1024.0 * 1024.0;

/// The largest Parquet or Arrow IPC file the worker reads: the columnar module holds
/// the file and one batch at a time in an instance of its own (its table is checked
/// against `columnar::MAX_TABLE_BYTES` as the first batch arrives).
pub const MAX_COLUMNAR_FILE_BYTES: f64 = 1.5 * 1024.0 * 1024.0 * 1024.0;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("performance"))
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

fn post(id: u64, reply: Reply) {
    let text = serde_json::to_string(&Response { id, reply }).unwrap_or_default();
    let _ = scope().post_message(&JsValue::from_str(&text));
}

pub(crate) fn js_error(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

async fn array_buffer(promise: js_sys::Promise, what: &str) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|e| format!("cannot read `{what}`: {}", js_error(&e)))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot fetch `{url}`: {}", js_error(&e)))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(format!("cannot fetch `{url}`: HTTP {}", response.status()));
    }
    let promise = response
        .array_buffer()
        .map_err(|e| format!("cannot read `{url}`: {}", js_error(&e)))?;
    array_buffer(promise, url).await
}

/// Merges the files a demo load read into one reply.
fn merge(into: &mut Reply, more: Reply) -> Result<(), String> {
    match (into, more) {
        (
            Reply::Loaded {
                datasets,
                pipelines,
                models,
            },
            Reply::Loaded {
                datasets: d,
                pipelines: p,
                models: m,
            },
        ) => {
            datasets.extend(d);
            pipelines.extend(p);
            models.extend(m);
            Ok(())
        }
        (_, Reply::Failed { error }) => Err(error),
        _ => Ok(()),
    }
}

/// Carries out one command. The host stays borrowed while a cell's model runs are
/// awaited (their parts on the engine workers, or WebGPU): the worker handles one
/// command at a time (`pump`), so nothing borrows it mutably meanwhile.
#[allow(clippy::await_holding_refcell_ref)]
async fn handle(
    host: &RefCell<Host>,
    id: u64,
    command: Command,
    file: Option<web_sys::File>,
) -> Reply {
    let progress = |stage: String| {
        post(
            id,
            Reply::Progress {
                stage,
                fraction: None,
            },
        );
    };
    match command {
        Command::Load {
            name,
            role,
            model_role,
        } => {
            let Some(file) = file else {
                return Reply::Failed {
                    error: format!("{name}: no file came with the command"),
                };
            };
            let kind = FileKind::of(&name);
            let columnar = matches!(kind, Ok(FileKind::Parquet | FileKind::ArrowIpc));
            // A Parquet or Arrow file never sits in this instance's memory (the columnar
            // module reads it; its table is checked against `columnar::MAX_TABLE_BYTES`).
            let limit = if columnar {
                MAX_COLUMNAR_FILE_BYTES
            } else {
                MAX_FILE_BYTES
            };
            if file.size() > limit {
                return Reply::Failed {
                    error: format!(
                        "{name}: {:.0} MB is more than this page can hold ({:.0} MB, wasm's \
                         memory limit); evaluate it with `lockstep eval`, natively",
                        file.size() / 1e6,
                        limit / 1e6
                    ),
                };
            }
            progress(format!("reading {name} ({} bytes)", file.size()));
            match kind {
                Ok(kind @ (FileKind::Parquet | FileKind::ArrowIpc)) => {
                    let started = now_ms();
                    let buffer = match JsFuture::from(file.array_buffer()).await {
                        Ok(buffer) => js_sys::Uint8Array::new(&buffer),
                        Err(e) => {
                            return Reply::Failed {
                                error: format!("cannot read `{name}`: {}", js_error(&e)),
                            };
                        }
                    };
                    let what = name.clone();
                    let decoded = crate::columnar::read(kind, &buffer, move |rows| {
                        post(
                            id,
                            Reply::Progress {
                                stage: format!("reading {what}: {rows} rows"),
                                fraction: None,
                            },
                        );
                    })
                    .await;
                    // The time shown counts the columnar module's reading: the host's
                    // first reading of the clock is when that began.
                    let first = std::cell::Cell::new(true);
                    let clock = move || {
                        if first.replace(false) {
                            started
                        } else {
                            now_ms()
                        }
                    };
                    drop(buffer);
                    match decoded {
                        Ok(decoded) => host.borrow_mut().load_decoded(&name, role, decoded, &clock),
                        Err(error) => Reply::Failed {
                            error: format!("{name}: {error}"),
                        },
                    }
                }
                _ => match array_buffer(file.array_buffer(), &name).await {
                    Ok(bytes) => host
                        .borrow_mut()
                        .load(&name, role, model_role, bytes, &now_ms),
                    Err(error) => Reply::Failed { error },
                },
            }
        }
        Command::LoadDemo => {
            let mut all = Reply::Loaded {
                datasets: vec![],
                pipelines: vec![],
                models: vec![],
            };
            for (file, role) in DEMO_FILES {
                progress(format!("loading the demo: {file}"));
                let bytes = match fetch(&format!("{DEMO_DIR}/{file}")).await {
                    Ok(b) => b,
                    Err(error) => return Reply::Failed { error },
                };
                let reply = host.borrow_mut().load(
                    file,
                    crate::notebook::Role::from_key(role),
                    match role {
                        "champion" => Some(crate::notebook::ModelRole::Champion),
                        "challenger" => Some(crate::notebook::ModelRole::Challenger),
                        _ => None,
                    },
                    bytes,
                    &now_ms,
                );
                if let Err(error) = merge(&mut all, reply) {
                    return Reply::Failed { error };
                }
            }
            all
        }
        Command::SetRole { name, role } => host.borrow_mut().set_role(&name, role, &now_ms),
        Command::SetModel {
            name,
            role,
            pipeline,
        } => host.borrow_mut().set_model(&name, role, pipeline),
        Command::Fit { spec, training } => {
            progress(format!("fitting on {training}"));
            host.borrow_mut().fit(&spec, &training)
        }
        Command::Predict {
            model,
            dataset,
            label,
        } => {
            progress(format!("running {model} on {dataset}"));
            let run = host.borrow().predict_run(&model, &dataset, &label, &now_ms);
            let (mut predicted, engine, inputs) = match run {
                Ok(run) => run,
                Err(error) => return Reply::Failed { error },
            };
            // With the GPU asked for, the cell also shows its parity with the CPU engine,
            // on the inputs the preview ran.
            if crate::gpu::asked() != crate::gpu::Backend::Core {
                progress(format!("checking {model} on WebGPU against the CPU engine"));
                predicted.parity = Some(crate::gpu::parity(&engine, &inputs).await);
            }
            Reply::Predicted(predicted)
        }
        Command::Backend(name) => match crate::gpu::choose(&name) {
            Ok(()) => Reply::Loaded {
                datasets: vec![],
                pipelines: vec![],
                models: vec![],
            },
            Err(error) => Reply::Failed { error },
        },
        Command::Evaluate(inputs) => {
            progress(format!("evaluating {}", inputs.dataset));
            evaluate(host, id, &inputs, None).await
        }
        Command::Slices { eval, spec } => {
            progress(format!("evaluating {} with slices", eval.dataset));
            let spec = match host.borrow().slices_spec(&eval, &spec) {
                Ok(spec) => spec,
                Err(error) => return Reply::Failed { error },
            };
            evaluate(host, id, &eval, Some(spec)).await
        }
        Command::Gate {
            eval,
            config,
            skew_json,
        } => {
            progress(format!("gating {} on its blackbox rows", eval.dataset));
            host.borrow()
                .gate(&eval, &config, skew_json.as_deref(), &now_ms)
                .await
        }
        Command::Diagnose(inputs) => {
            progress("measuring the errors on each data set".to_owned());
            host.borrow().diagnose(&inputs, &now_ms).await
        }
        Command::SliceRows { dataset, rule } => host.borrow().slice_rows(&dataset, &rule),
        Command::Errors(inputs) => {
            progress(format!("listing the errors of {}", inputs.dataset));
            host.borrow().errors(&inputs, &now_ms).await
        }
        Command::Skew(inputs) => {
            progress(format!(
                "replaying the serving logs through {}",
                inputs.model
            ));
            host.borrow().skew(&inputs, &now_ms)
        }
        Command::Robustness { eval, model, spec } => {
            progress(format!("behavioural tests of {model} on {}", eval.dataset));
            host.borrow().robustness(&eval, &model, &spec, &now_ms)
        }
        Command::Compare {
            eval,
            champion,
            challenger,
            settings,
            slices,
        } => {
            progress(format!(
                "{champion} against {challenger} on {}",
                eval.dataset
            ));
            host.borrow()
                .compare(
                    &eval,
                    [&champion, &challenger],
                    [&settings, &slices],
                    &now_ms,
                )
                .await
        }
    }
}

/// The Evaluate cell, and the Slices cell with its `slices`: in two halves, so that the
/// model run and the headline bootstrap of a large evaluation run on the engine workers
/// too (`crate::pool`), with the same report as here alone.
async fn evaluate(
    host: &RefCell<Host>,
    id: u64,
    inputs: &crate::notebook::EvalInputs,
    slices: Option<lockstep_core::slices::SlicesSpec>,
) -> Reply {
    let said = std::rc::Rc::new(move |stage: String| {
        post(
            id,
            Reply::Progress {
                stage,
                fraction: None,
            },
        )
    });
    let begun = crate::pool::with_progress(said.clone(), evaluate_begin(host, inputs)).await;
    let pending = match begun {
        Ok(pending) => pending,
        Err(error) => return Reply::Failed { error },
    };
    let replicates = match &pending.job {
        Some(job) if crate::pool::worth_splitting(job) && crate::pool::enabled() => {
            match crate::pool::replicates(job, &*said).await {
                Ok(r) => Some(r),
                Err(e) => {
                    // Computed here instead, as without engine workers.
                    web_sys::console::warn_1(&JsValue::from_str(&format!(
                        "lockstep: the engine workers failed ({e}); bootstrapping in this worker"
                    )));
                    None
                }
            }
        }
        _ => None,
    };
    let started = now_ms();
    let mut finder = |p: lockstep_core::slices::Progress| {
        post(
            id,
            Reply::Progress {
                stage: crate::view::eval::finder_stage(&p, now_ms() - started),
                fraction: Some(crate::view::eval::finder_fraction(&p)),
            },
        );
    };
    host.borrow().evaluate_end(
        inputs,
        &pending,
        replicates.as_ref(),
        slices,
        &now_ms,
        &mut finder,
    )
}

/// The evaluation's first half, its model run awaited. The host stays borrowed while
/// the model's parts are on the engine workers: the worker handles one command at a
/// time (`pump`), so nothing borrows it mutably meanwhile.
#[allow(clippy::await_holding_refcell_ref)]
async fn evaluate_begin(
    host: &RefCell<Host>,
    inputs: &crate::notebook::EvalInputs,
) -> Result<crate::host::PendingEvaluation, String> {
    host.borrow().evaluate_begin(inputs, &now_ms).await
}

struct Queue {
    host: RefCell<Host>,
    pending: RefCell<VecDeque<JsValue>>,
    busy: std::cell::Cell<bool>,
}

/// Reads one message: `{ request: "<json>", file?: File }`.
fn parse(data: &JsValue) -> Result<(Request, Option<web_sys::File>), String> {
    let text = js_sys::Reflect::get(data, &JsValue::from_str("request"))
        .ok()
        .and_then(|v| v.as_string())
        .ok_or("a message without a request")?;
    let request: Request =
        serde_json::from_str(&text).map_err(|e| format!("a malformed request: {e}"))?;
    let file = js_sys::Reflect::get(data, &JsValue::from_str("file"))
        .ok()
        .and_then(|f| f.dyn_into::<web_sys::File>().ok());
    Ok((request, file))
}

fn pump(queue: Rc<Queue>) {
    if queue.busy.replace(true) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let next = queue.pending.borrow_mut().pop_front();
            let Some(data) = next else {
                break;
            };
            match parse(&data) {
                Ok((request, file)) => {
                    let reply = handle(&queue.host, request.id, request.command, file).await;
                    // Every command drains the engine lines its model runs left, failed
                    // or not, so that none reaches a later reply.
                    post(request.id, reply.with_engine(crate::gpu::take_note()));
                }
                Err(error) => post(0, Reply::Failed { error }),
            }
        }
        queue.busy.set(false);
    });
}

/// The worker's entry point: takes the messages `worker.js` queued while the wasm
/// loaded, then every later one.
pub fn run() {
    if crate::pool::is_engine_worker() {
        crate::pool::serve();
        return;
    }
    console_error_panic_hook::set_once();
    let queue = Rc::new(Queue {
        host: RefCell::new(Host::new()),
        pending: RefCell::new(VecDeque::new()),
        busy: std::cell::Cell::new(false),
    });
    let early = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("lockstepQueued"))
        .ok()
        .and_then(|v| v.dyn_into::<js_sys::Array>().ok());
    if let Some(early) = early {
        for event in early.iter() {
            if let Ok(event) = event.dyn_into::<MessageEvent>() {
                queue.pending.borrow_mut().push_back(event.data());
            }
        }
    }
    let q = queue.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        q.pending.borrow_mut().push_back(event.data());
        pump(q.clone());
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    pump(queue);
}

/// Whether this code runs in a worker (no `window`).
pub fn in_worker() -> bool {
    js_sys::global().dyn_into::<web_sys::Window>().is_err()
}
