// The in-page half of the browser engine bench (driver: tests/browser/bench_engines.mjs).
// `window.benchSetup(opts)` loads both engines; `window.benchCell(...)` checks agreement and
// times one (model, rows, engine pair) cell. Everything runs in this page, in one run.
import init, { BenchModel } from '/pkg/lockstep_bench_wasm.js';
import * as ort from '/ort/ort.wasm.min.mjs';
import { WorkerPool } from '/bench/parallel.mjs';

const FEATURES = 30;

/** Deterministic approximately-N(0, 1) features (xorshift32 + Box–Muller). */
function features(rows, seed = 0x5eed1234) {
  const out = new Float32Array(rows * FEATURES);
  let s = seed >>> 0;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 1) / 4294967297;
  };
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

const state = { models: {}, inputs: {}, pool: null, wasmModule: null, gpu: null, ortGpu: null };

window.benchSetup = async ({ ortThreads, models, workers }) => {
  // Compiled once; the main page and every worker instantiate the same module.
  state.wasmModule = await WebAssembly.compileStreaming(fetch('/pkg/lockstep_bench_wasm_bg.wasm'));
  await init({ module_or_path: state.wasmModule });
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = ortThreads;
  ort.env.wasm.proxy = false;
  for (const name of models) {
    const bytes = new Uint8Array(await (await fetch(`/models/${name}.onnx`)).arrayBuffer());
    const lockstep = new BenchModel(bytes);
    const session = await ort.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: ortThreads,
    });
    state.models[name] = { bytes, lockstep, session };
  }
  if (workers > 1) {
    state.pool = await WorkerPool.start(workers, '/pkg/lockstep_bench_wasm.js', state.wasmModule);
    for (const name of models) await state.pool.load(name, state.models[name].bytes);
  }
  return {
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    ortThreads: ort.env.wasm.numThreads,
    userAgent: navigator.userAgent,
  };
};

/**
 * The WebGPU engines (a page started with --enable-unsafe-webgpu): Lockstep's WebGPU module
 * as the page imports it (frontend/gpu, built into /pkg/gpu/ by browser_engines.sh) and
 * onnxruntime-web's WebGPU provider (its all-providers build: the webgpu build has no ai.onnx.ml ops at all). Call after benchSetup.
 */
window.benchSetupGpu = async ({ models }) => {
  const gpu = await import('/pkg/gpu/lockstep_gpu_web.js');
  await gpu.default({ module_or_path: '/pkg/gpu/lockstep_gpu_web_bg.wasm' });
  state.gpu = gpu;
  const ortGpu = await import('/ort/ort.all.min.mjs');
  ortGpu.env.wasm.wasmPaths = '/ort/';
  ortGpu.env.wasm.numThreads = 1;
  // Its warnings (nodes left on the CPU) go to console.error, which the driver counts as a page problem.
  ortGpu.env.logLevel = 'error';
  for (const name of models) {
    const { bytes } = state.models[name];
    // Ops the WebGPU provider lacks (all of ai.onnx.ml) fall back to its wasm CPU path.
    state.models[name].ortGpu = await ortGpu.InferenceSession.create(bytes, {
      executionProviders: ['webgpu', 'wasm'],
      logSeverityLevel: 3,
    });
    state.models[name].gpuSent = false;
  }
  state.ortGpu = ortGpu;
  const adapter = await navigator.gpu?.requestAdapter();
  return { adapter: adapter ? `${adapter.info?.vendor ?? ''} ${adapter.info?.architecture ?? ''} fallback=${adapter.isFallbackAdapter}` : null };
};

/** Lockstep's WebGPU module on `x`: the message the page's worker sends it. */
async function runGpu(name, x, rows) {
  const model = state.models[name];
  const message = {
    key: name,
    backend: 'gpu',
    tensors: JSON.stringify([{ name: model.session.inputNames[0], shape: [rows, FEATURES], kind: 'f32' }]),
    arrays: [x],
  };
  if (!model.gpuSent) message.model = model.bytes;
  const reply = await state.gpu.run(message);
  model.gpuSent = true;
  if (reply.backend !== 'gpu') throw new Error(`${name}: the GPU engine did not run: ${reply.why}`);
  return reply.arrays;
}

async function runOrtGpu(name, x, rows) {
  const session = state.models[name].ortGpu;
  const feeds = { [session.inputNames[0]]: new state.ortGpu.Tensor('float32', x, [rows, FEATURES]) };
  const out = await session.run(feeds);
  return Promise.all(session.outputNames.map(async (n) => (out[n].location === 'gpu-buffer' ? out[n].getData() : out[n].data)));
}

function input(rows) {
  if (!state.inputs[rows]) state.inputs[rows] = features(rows);
  return state.inputs[rows];
}

/** Outputs as plain arrays in the model's order: [label (BigInt64Array), probabilities]. */
async function runOrt(name, x, rows) {
  const { session } = state.models[name];
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [rows, FEATURES]) };
  const out = await session.run(feeds);
  return session.outputNames.map((n) => out[n].data);
}

function runLockstep(name, x) {
  // BenchModel.run takes ownership of a copy of x in wasm memory (as ORT copies its input).
  return state.models[name].lockstep.run(x, FEATURES);
}

async function runPool(name, x, rows) {
  return state.pool.run(name, x, rows, FEATURES);
}

/** Largest |a - b| over float outputs; labels must be equal (returns Infinity if not). */
function disagreement(a, b) {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let o = 0; o < a.length; o++) {
    const [x, y] = [a[o], b[o]];
    if (x.length !== y.length) return Infinity;
    if (x instanceof BigInt64Array) {
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Infinity;
    } else {
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    }
  }
  return worst;
}

/** Whether two runs' outputs are bit-identical. */
function identical(a, b) {
  if (a.length !== b.length) return false;
  for (let o = 0; o < a.length; o++) {
    const x = new Uint8Array(a[o].buffer, a[o].byteOffset, a[o].byteLength);
    const y = new Uint8Array(b[o].buffer, b[o].byteOffset, b[o].byteLength);
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/**
 * One cell: `name` on `rows` rows. Checks agreement on all rows first (Lockstep vs ORT
 * within `tolerance`, labels equal; Lockstep's worker pool bit-identical to one instance),
 * then times `reps` runs of each engine, alternating, after two untimed runs; medians in ms.
 */
window.benchCell = async ({ name, rows, reps, tolerance, engines }) => {
  const x = input(rows);
  const run = {
    lockstep: () => runLockstep(name, x),
    ort: () => runOrt(name, x, rows),
    pool: () => runPool(name, x, rows),
    gpu: () => runGpu(name, x, rows),
    ortgpu: () => runOrtGpu(name, x, rows),
  };
  const first = {};
  for (const e of engines) first[e] = await run[e]();
  const check = {};
  if (first.lockstep && first.ort) {
    check.maxDiff = disagreement(first.lockstep, first.ort);
    if (!(check.maxDiff <= tolerance)) {
      throw new Error(`${name} ${rows}: Lockstep and onnxruntime-web differ by ${check.maxDiff}`);
    }
  }
  for (const e of ['gpu', 'ortgpu']) {
    if (first.lockstep && first[e]) {
      check[`${e}MaxDiff`] = disagreement(first.lockstep, first[e]);
      if (!(check[`${e}MaxDiff`] <= tolerance)) {
        throw new Error(`${name} ${rows}: ${e} and Lockstep's CPU engine differ by ${check[`${e}MaxDiff`]}`);
      }
    }
  }
  if (first.lockstep && first.pool) {
    check.poolIdentical = identical(first.lockstep, first.pool);
    if (!check.poolIdentical) throw new Error(`${name} ${rows}: workers differ from one instance`);
  }
  // A second untimed run (the first was the check) lets V8 tier the hot code up.
  for (const e of engines) await run[e]();
  const times = Object.fromEntries(engines.map((e) => [e, []]));
  for (let r = 0; r < reps; r++) {
    for (const e of engines) {
      const t0 = performance.now();
      await run[e]();
      times[e].push(performance.now() - t0);
    }
  }
  const median = (v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return { check, ms: Object.fromEntries(engines.map((e) => [e, median(times[e])])) };
};
