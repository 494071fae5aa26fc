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
