// Browser engine bench: Lockstep's engine (the wasm32 build the page ships: wasm-release
// profile, simd128, wasm-opt -Oz) against onnxruntime-web's wasm provider, in one headless
// Chromium page and run, on the bench models of tests/data/bench at 10 k, 100 k and 1 M rows.
// Run it through scripts/bench/browser_engines.sh, which builds the wasm package first.
//
// Environment: BENCH_PKG (the wasm-bindgen output folder, required), BENCH_REPS (timed runs
// per cell, default 3; the median is reported), BENCH_ROWS (comma-separated, default
// 10000,100000,1000000), BENCH_WORKERS (Lockstep's worker count, default
// navigator.hardwareConcurrency; 1 skips the worker rows).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { ROOT, openBrowser } from './harness.mjs';

const PKG = resolve(process.env.BENCH_PKG ?? '');
const REPS = Number(process.env.BENCH_REPS ?? 3);
const ROWS = (process.env.BENCH_ROWS ?? '10000,100000,1000000').split(',').map(Number);
// The WebGPU session (BENCH_WEBGPU=0 skips it): on this machine's software adapter
// (SwiftShader) it proves overhead and agreement, not speed; on a real GPU run unchanged.
const GPU_ROWS = (process.env.BENCH_GPU_ROWS ?? process.env.BENCH_ROWS ?? '10000,100000,1000000').split(',').map(Number);
const MODELS = [
  ['gbdt_100x6', 'GBDT 100 trees depth 6'],
  ['mlp_64x32', 'MLP (64, 32)'],
];
// Outputs within this (probabilities); labels must be equal.
const TOLERANCE = 1e-5;

const ROUTES = [
  ['/pkg/', PKG],
  ['/ort/', join(ROOT, 'tests/browser/node_modules/onnxruntime-web/dist')],
  ['/models/', join(ROOT, 'tests/data/bench')],
  ['/bench/', join(ROOT, 'tests/browser/bench')],
];
const TYPES = {
  '.html': 'text/html',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
};

/** A static server; cross-origin isolated (COOP + COEP) when `isolated`. */
function serve(isolated) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = null;
    if (path === '/') file = join(ROOT, 'tests/browser/bench/page.html');
    for (const [prefix, dir] of ROUTES) {
      if (path.startsWith(prefix)) {
        const rel = normalize(path.slice(prefix.length));
        if (!rel.startsWith('..')) file = join(dir, rel);
      }
    }
    const headers = { 'Cache-Control': 'no-store' };
    if (isolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, headers);
      res.end();
    }
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

const fmt = (v) => Math.round(v).toLocaleString('en-US').replace(/,/g, ' ');

async function session(ortThreads, workers, webgpu = false) {
  const server = await serve(true);
  const { browser, page, problems } = await openBrowser({ webgpu });
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => typeof window.benchSetup === 'function');
    const env = await page.evaluate(
      (opts) => window.benchSetup(opts),
      { ortThreads, models: MODELS.map(([m]) => m), workers },
    );
    if (webgpu) Object.assign(env, await page.evaluate((opts) => window.benchSetupGpu(opts), { models: MODELS.map(([m]) => m) }));
    const cells = [];
    for (const [name, label] of MODELS) {
      for (const rows of webgpu ? GPU_ROWS : ROWS) {
        const engines = webgpu ? ['lockstep', 'gpu', 'ortgpu'] : workers > 1 ? ['lockstep', 'pool', 'ort'] : ['lockstep', 'ort'];
        const cell = await page.evaluate(
          (args) => window.benchCell(args),
          { name, rows, reps: REPS, tolerance: TOLERANCE, engines },
        );
        cells.push({ name, label, rows, ...cell });
        const ms = cell.ms;
        const line = [`[bench] ${label}, ${rows} rows, ORT ${ortThreads} thread(s):`];
        for (const e of engines) line.push(`${e} ${ms[e].toFixed(1)} ms`);
        for (const [k, v] of Object.entries(cell.check)) if (typeof v === 'number') line.push(`${k} ${v.toExponential(2)}`);
        console.error(line.join(' '));
      }
    }
    if (problems.length) throw new Error(`page problems:\n${problems.join('\n')}`);
    return { env, cells };
  } finally {
    await browser.close();
    server.close();
  }
}

const one = await session(1, 1);
console.error(`[bench] ${one.env.userAgent}; hardwareConcurrency ${one.env.hardwareConcurrency}; crossOriginIsolated ${one.env.crossOriginIsolated}`);
const threads = Number(process.env.BENCH_WORKERS ?? one.env.hardwareConcurrency);
let many = null;
if (threads > 1 && one.env.crossOriginIsolated) many = await session(threads, threads);

console.log(`\nLockstep wasm (as the page ships it) vs onnxruntime-web (wasm provider), rows/s, median of ${REPS}; Chromium, ${one.env.hardwareConcurrency} logical cores\n`);
console.log('| model | rows | threads | Lockstep rows/s | onnxruntime-web rows/s | Lockstep / ORT |');
console.log('|---|---|---|---|---|---|');
const row = (c, t, mine, theirs) =>
  console.log(`| ${c.label} | ${fmt(c.rows)} | ${t} | ${fmt((c.rows / mine) * 1000)} | ${fmt((c.rows / theirs) * 1000)} | ${(theirs / mine).toFixed(2)} |`);
for (const c of one.cells) row(c, 1, c.ms.lockstep, c.ms.ort);
if (many) for (const c of many.cells) row(c, `${threads} (workers / ORT threads)`, c.ms.pool, c.ms.ort);
if (process.env.BENCH_WEBGPU !== '0') {
  const gpu = await session(1, 1, true);
  console.log(`\nWebGPU, adapter ${gpu.env.adapter}: Lockstep's WebGPU module and onnxruntime-web's WebGPU provider, with Lockstep's wasm CPU engine, rows/s, median of ${REPS} (a software adapter measures overhead, not a GPU)\n`);
  console.log('| model | rows | Lockstep wasm CPU | Lockstep WebGPU | onnxruntime-web WebGPU | Lockstep WebGPU / ORT WebGPU |');
  console.log('|---|---|---|---|---|---|');
  const rate = (c, ms) => fmt((c.rows / ms) * 1000);
  for (const c of gpu.cells) {
    console.log(`| ${c.label} | ${fmt(c.rows)} | ${rate(c, c.ms.lockstep)} | ${rate(c, c.ms.gpu)} | ${rate(c, c.ms.ortgpu)} | ${(c.ms.ortgpu / c.ms.gpu).toFixed(2)} |`);
  }
}
