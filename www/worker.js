// The dedicated worker that runs lockstep-core off the page's thread. It imports the
// page's own wasm-bindgen module (its URL comes in the query: Trunk hashes the name)
// with the wasm beside it (Trunk names it `<module>_bg.wasm`), whose `main` sees no
// `window` and starts the worker loop (frontend/src/worker.rs). The notebook's worker
// starts its engine workers from this same file with `role=engine` added to the query
// (frontend/src/pool.rs): they load the same bundle and answer bootstrap jobs. Messages
// that arrive while the wasm loads wait in `lockstepQueued`.
self.lockstepQueued = [];
self.onmessage = (event) => self.lockstepQueued.push(event);
const glue = new URL(new URL(self.location.href).searchParams.get('glue') ?? '', self.location.href);
if (glue.origin !== self.location.origin || !glue.pathname.endsWith('.js')) {
  throw new Error('worker.js: the module to load must be a script from this origin');
}
const wasm = new URL(glue.pathname.replace(/\.js$/, '_bg.wasm'), glue);
import(glue.href).then((module) => module.default({ module_or_path: wasm }));

// Parquet and Arrow IPC files are read by a second wasm module, frontend/columnar (the
// readers are a third of the app's code, and most files are CSV): fetched and compiled
// the first time such a file is opened, then instantiated afresh for each file, so the
// memory that reading took is given back once the table has crossed into the app's
// instance, chunk by chunk (`onChunk` returns false to stop). scripts/build-web.sh
// builds it and writes its content-hashed name below. Called by frontend/src/columnar.rs.
const COLUMNAR_WASM = 'lockstep-columnar.wasm';
let columnar = null;
self.lockstepColumnar = async (kind, bytes, onChunk) => {
  columnar ??= WebAssembly.compileStreaming(fetch(new URL(COLUMNAR_WASM, self.location.href)))
    .catch((error) => {
      columnar = null;
      throw new Error(`the Parquet and Arrow reader (${COLUMNAR_WASM}) did not load: ${error.message}`);
    });
  let memory = null;
  const instance = await WebAssembly.instantiate(await columnar, {
    lockstep: { chunk: (ptr, len) => (onChunk(new Uint8Array(memory.buffer, ptr, len)) ? 0 : 1) },
  });
  const reader = instance.exports;
  memory = reader.memory;
  const at = reader.lockstep_alloc(bytes.length); // may grow the memory: read `buffer` after
  new Uint8Array(memory.buffer, at, bytes.length).set(bytes);
  let status;
  try {
    status = reader.lockstep_decode(kind);
  } catch (error) {
    // A trap: the decoder hit a case it does not handle (wasm aborts on a panic).
    throw new Error(`the file is malformed (the decoder stopped: ${error.message})`);
  }
  if (status !== 0) {
    const message = new Uint8Array(memory.buffer, reader.lockstep_error_ptr(), reader.lockstep_error_len());
    throw new Error(new TextDecoder().decode(message));
  }
};

// The WebGPU engine (frontend/gpu: lockstep-core's GPU engine, wgpu on the browser's
// WebGPU) is a wasm-bindgen module of its own, imported the first time a model runs with
// `?backend=gpu` or `auto` on the page's URL; the app's bundle does not carry wgpu.
// scripts/build-web.sh builds it and writes its content-hashed name below. Called by
// frontend/src/gpu.rs with the message the engine workers take; answers with the outputs,
// or only why the CPU engine should run.
const GPU_JS = 'lockstep-gpu.js';
let gpu = null;
self.lockstepGpu = async (message) => {
  gpu ??= import(new URL(GPU_JS, self.location.href).href)
    .then(async (module) => {
      await module.default({ module_or_path: new URL(GPU_JS.replace(/\.js$/, '_bg.wasm'), self.location.href) });
      return module;
    })
    .catch((error) => {
      gpu = null;
      throw new Error(`the WebGPU engine (${GPU_JS}) did not load: ${error.message}`);
    });
  return (await gpu).run(message);
};
