// End-to-end: the page's WebGPU engine (frontend/gpu, frontend/src/gpu.rs). In headless
// Chromium with `--enable-unsafe-webgpu` (SwiftShader's software adapter), `?backend=gpu`
// runs the Evaluate cell's model on the GPU engine: the cell says so, with the run's
// largest difference from the CPU engine on its first 1,000 rows, and the report is
// `lockstep eval --model`'s (the CPU engine's, natively) but for the measured latency —
// tree ensembles bit for bit (the exact tier), an MLP within its tier. Without the flag
// there is no adapter: the cell says the CPU engine ran and why, with the same report. An
// unknown backend is named. Any console error or failed request fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, readJson, startLockstep, textOf, waitForCell } from './harness.mjs';

/** The Evaluate cell's state reads done; else fails with the cell's error (read only then:
 * an absent element would be waited for). */
async function assertDone(page, state) {
  if (!/^done/.test(state)) assert.fail(`${state}: ${await page.getByTestId('error-evaluate').textContent()}`);
}

let server;
const work = mkdtempSync(join(tmpdir(), 'lockstep-webgpu-'));

before(async () => {
  server = await startLockstep(['demo', '--web-dir', 'dist']);
});

after(async () => {
  await server?.stop();
});

/** The fixture's single `[rows, k]` input as CSV columns f0…, ONNX Runtime's labels as `y`. */
function fixtureCsv(name) {
  const fixture = readJson(`tests/data/onnx/${name}.json`);
  const [input] = fixture.inputs;
  const [rows, width] = input.shape;
  const labels = fixture.outputs[0].data;
  const lines = [[...Array.from({ length: width }, (_, j) => `f${j}`), 'y'].join(',')];
  for (let r = 0; r < rows; r++) {
    lines.push([...input.data.slice(r * width, (r + 1) * width).map(String), String(labels[r])].join(','));
  }
  const path = join(work, `${name}.csv`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The Evaluate cell's report and engine line for `name`'s model on its fixture rows. */
async function evaluate(page, query, name) {
  const csv = fixtureCsv(name);
  const model = join(ROOT, `tests/data/onnx/${name}.onnx`);
  await page.goto(`${server.url}${query}`);
  await page.getByTestId('file-input').setInputFiles([csv, model]);
  await page.getByTestId('dataset-row').filter({ hasText: `${name}.csv` }).waitFor();
  await page.getByTestId('model-item').waitFor();
  await page.getByTestId('eval-label').selectOption('y');
  await page.getByTestId('eval-source').selectOption(`model:${name}.onnx`);
  await page.getByTestId('run-evaluate').click();
  await waitForCell(page, 'evaluate', 120_000);
  const state = await textOf(page, 'state-evaluate');
  await assertDone(page, state);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  const report = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const line = page.getByTestId('eval-engine');
  const engine = (await line.count()) ? (await line.textContent()).trim() : null;
  const cli = spawnSync(BIN, ['eval', '--data', csv, '--label', 'y', '--model', model, '--format', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.ok(cli.status === 0 || cli.status === 1, `lockstep eval failed (${cli.status}): ${cli.stderr}`);
  const expected = JSON.parse(cli.stdout);
  for (const r of [report, expected]) delete r.facts.latency_ms_per_row;
  return { report, expected, engine };
}

test('?backend=gpu runs the model on WebGPU, checked against the CPU engine', async () => {
  const session = await openBrowser({ webgpu: true });
  try {
    const { page, problems } = session;
    // A tree ensemble: the exact tier, so the report is the CPU engine's.
    const trees = await evaluate(page, '?backend=gpu', 'gb_binary_breast_cancer_100');
    assert.match(trees.engine ?? '', /^Model ran on `gpu`: the GPU engine was asked for; /);
    assert.match(trees.engine, /first \d+ rows: 0\.000e0 \(within the tolerance tier\)\.$/);
    assert.deepEqual(trees.report, trees.expected);
    await page.getByTestId('cell-evaluate').screenshot({ path: join(ROOT, 'tests/browser/artifacts/webgpu-evaluate.png') });
    // An MLP: within its tier (WGSL's exp and tanh may differ from the CPU's by ULPs).
    const mlp = await evaluate(page, '?backend=gpu', 'mlp_logistic_binary_breast_cancer');
    assert.match(mlp.engine ?? '', /^Model ran on `gpu`: .*\(within the tolerance tier\)\.$/);
    assert.equal(mlp.report.rows, mlp.expected.rows);
    // auto: timed against the CPU engine, whichever wins runs, and the cell says which.
    const auto = await evaluate(page, '?backend=auto', 'gb_binary_breast_cancer_100');
    assert.match(auto.engine ?? '', /^Model ran on `(gpu|core)`: auto: the /);
    assert.deepEqual(auto.report, auto.expected);
    assert.deepEqual(problems, []);
  } finally {
    await session.browser.close();
  }
});

test('without WebGPU the CPU engine runs and the cell says why', async () => {
  const session = await openBrowser({ webgpu: false });
  try {
    const { page, problems } = session;
    const run = await evaluate(page, '?backend=gpu', 'gb_binary_breast_cancer_100');
    assert.match(run.engine ?? '', /^Model ran on `core`: .*adapter.*CPU engine/i);
    assert.deepEqual(run.report, run.expected);
    // The default asks for no GPU and says nothing of it.
    const plain = await evaluate(page, '', 'gb_binary_breast_cancer_100');
    assert.equal(plain.engine, null);
    const unknown = await evaluate(page, '?backend=tpu', 'gb_binary_breast_cancer_100');
    assert.match(unknown.engine ?? '', /unknown backend `tpu`/);
    assert.deepEqual(problems, []);
  } finally {
    await session.browser.close();
  }
});
