//! The page's side of the worker (wasm32 only): spawns the dedicated worker
//! (`worker.js`, which loads this same wasm bundle), sends [`Command`]s with the `File`
//! objects they read, and routes each [`Reply`] to the callback of its command.
//!
//! Cancelling terminates the worker at once (a long evaluation cannot be interrupted
//! from inside; the engine workers it started, `crate::pool`, are its own nested
//! workers and end with it) and starts a fresh one, into which every command that changed what
//! the worker held is sent again, with the same `File` objects: the data comes back
//! without the user picking the files again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::protocol::{Command, Reply, Request, Response};

type Callback = Box<dyn FnMut(Reply)>;

struct Inner {
    worker: Option<Worker>,
    next_id: u64,
    /// Called for every reply of the command until its final one.
    pending: HashMap<u64, Callback>,
    /// Commands that changed the worker's state, with their files, in order.
    history: Vec<(Command, Option<web_sys::File>)>,
    _on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
}

thread_local! {
    static CLIENT: RefCell<Option<Rc<RefCell<Inner>>>> = const { RefCell::new(None) };
}

/// The URL of the page's wasm-bindgen module: Trunk preloads it with
/// `<link rel="modulepreload">`.
fn glue_url() -> Result<String, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let link = document
        .query_selector("link[rel=modulepreload]")
        .ok()
        .flatten()
        .ok_or("the page's module is not preloaded (no <link rel=modulepreload>)")?;
    let href = link
        .get_attribute("href")
        .ok_or("the modulepreload link has no href")?;
    Ok(href)
}

fn spawn(inner: &Rc<RefCell<Inner>>) -> Result<(), String> {
    let glue = glue_url()?;
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let mut url = format!("worker.js?glue={}", js_sys::encode_uri_component(&glue));
    // `?workers=N` on the page sets how many engine workers the worker starts
    // (`crate::pool::workers_asked`; 0: none).
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if let Some(n) = crate::pool::workers_asked(&search) {
        url.push_str(&format!("&workers={n}"));
    }
    // `?backend=gpu|auto|core`: the engine models run on (`crate::gpu`); an unknown
    // value travels as typed, and the worker names it.
    if let Some(b) = crate::query_value(&search, "backend") {
        url.push_str(&format!("&backend={}", js_sys::encode_uri_component(b)));
    }
    let worker = Worker::new_with_options(&url, &options)
        .map_err(|e| format!("cannot start the worker: {e:?}"))?;
    let weak = Rc::downgrade(inner);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(inner) = weak.upgrade() else {
            return;
        };
        let Some(text) = event.data().as_string() else {
            return;
        };
        let Ok(response) = serde_json::from_str::<Response>(&text) else {
            web_sys::console::warn_1(&JsValue::from_str("lockstep: an unreadable reply"));
            return;
        };
        let last = !matches!(response.reply, Reply::Progress { .. });
        // The callback runs without the borrow held: it may send another command.
        let callback = inner.borrow_mut().pending.remove(&response.id);
        if let Some(mut callback) = callback {
            callback(response.reply);
            if !last {
                inner.borrow_mut().pending.insert(response.id, callback);
            }
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let mut guard = inner.borrow_mut();
    guard.worker = Some(worker);
    guard._on_message = Some(on_message);
    Ok(())
}

fn client() -> Result<Rc<RefCell<Inner>>, String> {
    if let Some(c) = CLIENT.with(|c| c.borrow().clone()) {
        return Ok(c);
    }
    let inner = Rc::new(RefCell::new(Inner {
        worker: None,
        next_id: 1,
        pending: HashMap::new(),
        history: Vec::new(),
        _on_message: None,
    }));
    spawn(&inner)?;
    CLIENT.with(|c| *c.borrow_mut() = Some(inner.clone()));
    Ok(inner)
}

fn post(
    inner: &Rc<RefCell<Inner>>,
    id: u64,
    command: &Command,
    file: Option<&web_sys::File>,
) -> Result<(), String> {
    let text = serde_json::to_string(&Request {
        id,
        command: command.clone(),
    })
    .map_err(|e| e.to_string())?;
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"request".into(), &text.into());
    if let Some(file) = file {
        let _ = js_sys::Reflect::set(&message, &"file".into(), file);
    }
    let guard = inner.borrow();
    let worker = guard.worker.as_ref().ok_or("the worker is not running")?;
    worker
        .post_message(&message)
        .map_err(|e| format!("cannot reach the worker: {e:?}"))
}

/// Sends `command` (with the `File` it reads); `on_reply` gets its progress replies
/// and then its final one.
pub fn send(command: Command, file: Option<web_sys::File>, on_reply: impl FnMut(Reply) + 'static) {
    let mut on_reply: Callback = Box::new(on_reply);
    let inner = match client() {
        Ok(inner) => inner,
        Err(error) => return on_reply(Reply::Failed { error }),
    };
    let id = {
        let mut guard = inner.borrow_mut();
        let id = guard.next_id;
        guard.next_id += 1;
        if command.changes_state() {
            guard.history.push((command.clone(), file.clone()));
        }
        id
    };
    inner.borrow_mut().pending.insert(id, on_reply);
    if let Err(error) = post(&inner, id, &command, file.as_ref())
        && let Some(mut callback) = inner.borrow_mut().pending.remove(&id)
    {
        callback(Reply::Failed { error });
    }
}

/// Stops whatever the worker is doing: terminates it, answers every pending command
/// with "cancelled", and starts a fresh worker holding the same files.
pub fn cancel() {
    let Ok(inner) = client() else {
        return;
    };
    let pending: Vec<Callback> = {
        let mut guard = inner.borrow_mut();
        if let Some(worker) = guard.worker.take() {
            worker.terminate();
        }
        guard.pending.drain().map(|(_, c)| c).collect()
    };
    for mut callback in pending {
        callback(Reply::Failed {
            error: "cancelled".to_owned(),
        });
    }
    if spawn(&inner).is_err() {
        return;
    }
    let history = inner.borrow().history.clone();
    for (command, file) in history {
        let id = {
            let mut guard = inner.borrow_mut();
            guard.next_id += 1;
            guard.next_id
        };
        let _ = post(&inner, id, &command, file.as_ref());
    }
}
