// Data-parallel runs of Lockstep's engine across Web Workers, the browser twin of the native
// `Model::run_parallel`: a batch is cut into one contiguous range of rows per worker, each
// worker runs its range on its own engine instance (`Model::run`, in chunks), and the
// outputs are concatenated in order. Every row is computed by the same code on the same
// rows as in one instance, so the outputs are the same bits (the bench checks it).
//
// Kept small and separate from the notebook's own worker (to come): it needs only a
// wasm-bindgen `--target web` package exporting `BenchModel` (tests/browser/bench/src/lib.rs)
// and the compiled `WebAssembly.Module`, which every worker instantiates without compiling
// it again.

/** Fewer rows than this per worker are not worth a worker (as MIN_ROWS_PER_THREAD natively). */
export const MIN_ROWS_PER_WORKER = 1024;

export class WorkerPool {
  /** Starts `n` module workers, each instantiating `module` (a WebAssembly.Module) through
   *  the wasm-bindgen glue at `pkgUrl`. */
  static async start(n, pkgUrl, module) {
    const workers = [];
    for (let i = 0; i < n; i++) {
      workers.push(new Worker(new URL('./parallel_worker.mjs', import.meta.url), { type: 'module' }));
    }
    const pool = new WorkerPool(workers);
    await Promise.all(workers.map((w) => pool.#call(w, { type: 'init', pkgUrl, module })));
    return pool;
  }

  #next = 0;
  #pending = new Map();
  #splits = new Map();

  constructor(workers) {
    this.workers = workers;
    for (const w of workers) {
      w.onmessage = ({ data }) => {
        const p = this.#pending.get(data.id);
        this.#pending.delete(data.id);
        if (data.error) p.reject(new Error(data.error));
        else p.resolve(data.result);
      };
      w.onerror = (e) => {
        for (const p of this.#pending.values()) p.reject(new Error(`worker: ${e.message}`));
        this.#pending.clear();
      };
    }
  }

  #call(worker, message, transfer = []) {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  /** Loads model `name` (ONNX bytes) into every worker. */
  async load(name, bytes) {
    const results = await Promise.all(this.workers.map((w) => this.#call(w, { type: 'load', name, bytes })));
    this.#splits.set(name, results.every((r) => r.splitsBatch));
  }

  /**
   * Runs `name` on `x` (`rows × cols`, row-major Float32Array): outputs in the model's
   * order, as one instance's `BenchModel.run` gives them. The batch is split only when the
   * model computes each row from that row alone (`Model::splits_batch`) and every part's
   * outputs have one entry block per row; otherwise the whole batch runs on one worker.
   */
  async run(name, x, rows, cols) {
    const n = Math.min(this.workers.length, Math.floor(rows / MIN_ROWS_PER_WORKER));
    if (n < 2 || !this.#splits.get(name)) return this.#runRange(0, name, x, 0, rows, cols);
    const per = Math.ceil(rows / n);
    const ranges = [];
    for (let start = 0; start < rows; start += per) ranges.push([start, Math.min(start + per, rows)]);
    const parts = await Promise.all(
      ranges.map(([start, end], i) => this.#runRange(i, name, x, start, end, cols)),
    );
    // Every output must have the same whole number of entries per row in every part;
    // a constant (unbatched) output would not, and then the batch runs unsplit.
    const widths = parts[0].map((o) => o.length / (ranges[0][1] - ranges[0][0]));
    const batched = parts.every((outs, i) =>
      outs.every((o, k) => Number.isInteger(widths[k]) && o.length === widths[k] * (ranges[i][1] - ranges[i][0])),
    );
    if (!batched) return this.#runRange(0, name, x, 0, rows, cols);
    return widths.map((w, k) => {
      const out = new parts[0][k].constructor(w * rows);
      let at = 0;
      for (const outs of parts) {
        out.set(outs[k], at);
        at += outs[k].length;
      }
      return out;
    });
  }

  #runRange(worker, name, x, start, end, cols) {
    // A copy of just this range, transferred (a subarray would clone the whole buffer).
    const part = x.slice(start * cols, end * cols);
    return this.#call(this.workers[worker], { type: 'run', name, x: part, cols }, [part.buffer]);
  }

  terminate() {
    for (const w of this.workers) w.terminate();
  }
}
