// End-to-end: the page's WebGPU engine (frontend/gpu, frontend/src/gpu.rs). In headless
// Chromium with `--enable-unsafe-webgpu` (SwiftShader's software adapter), `?backend=gpu`
// runs the Evaluate cell's model on the GPU engine: the cell says so, with the run's
// largest difference from the CPU engine on its first 1,000 rows, and the report is
// `lockstep eval --model`'s (the CPU engine's, natively) but for the measured latency —
// tree ensembles bit for bit (the exact tier), an MLP within its tier. Without the flag
// there is no adapter: the cell says the CPU engine ran and why, with the same report. An
// unknown backend is named. Any console error or failed request fails the test.
//
// The Models cell's parity view: every ONNX fixture with one `[rows, k]` float input (43
// of 45; grouped by input so that one page runs a group's models on one data set) runs on
// WebGPU and on the CPU engine, every row compared under the tier this test derives from
// the fixture's ops (the same rule as core/tests/gpu_engine.rs): each must PASS. The
// cell's Engine control switches the backend in the page, without the address. On the
// demo, the Compare, Gate, Diagnose and Error analysis cells run their models on WebGPU
// too and say so in their engine lines.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, labelledFixtureCsv, openBrowser, readJson, startLockstep, textOf, waitForCell } from './harness.mjs';

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

/** `name`'s fixture rows as a CSV file (`labelledFixtureCsv`). */
function fixtureCsv(name) {
  const path = join(work, `${name}.csv`);
  writeFileSync(path, labelledFixtureCsv(readJson(`tests/data/onnx/${name}.json`)));
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
    assert.match(trees.engine ?? '', /^gb_binary_breast_cancer_100\.onnx ran on `gpu`: the GPU engine was asked for; /);
    assert.match(trees.engine, /first \d+ rows: 0\.000e0 \(within the tolerance tier\)\.$/);
    assert.deepEqual(trees.report, trees.expected);
    await page.getByTestId('cell-evaluate').screenshot({ path: join(ROOT, 'tests/browser/artifacts/webgpu-evaluate.png') });
    // An MLP: within its tier (WGSL's exp and tanh may differ from the CPU's by ULPs).
    const mlp = await evaluate(page, '?backend=gpu', 'mlp_logistic_binary_breast_cancer');
    assert.match(mlp.engine ?? '', /^mlp_logistic_binary_breast_cancer\.onnx ran on `gpu`: .*\(within the tolerance tier\)\.$/);
    assert.equal(mlp.report.rows, mlp.expected.rows);
    // auto: timed against the CPU engine, whichever wins runs, and the cell says which.
    const auto = await evaluate(page, '?backend=auto', 'gb_binary_breast_cancer_100');
    assert.match(auto.engine ?? '', /^gb_binary_breast_cancer_100\.onnx ran on `(gpu|core)`: auto: the /);
    assert.deepEqual(auto.report, auto.expected);
    // The parity view after an `auto` run: the WebGPU module loads the `gpu` backend from
    // the model bytes it already holds.
    await page.getByTestId('run-models').click();
    await waitForCell(page, 'models', 120_000);
    const [afterAuto] = await page.getByTestId('parity').allTextContents();
    assert.match(afterAuto ?? '', /^Parity of gb_binary_breast_cancer_100\.onnx: WebGPU .*: PASS;/);
    assert.deepEqual(problems, []);
  } finally {
    await session.browser.close();
  }
});

/** The tier of a fixture's outputs on the GPU, from its op list (core/tests/gpu_engine.rs's rule). */
function tierOf(ops) {
  if (ops.some((o) => ['ai.onnx:MatMul', 'ai.onnx:Gemm', 'ai.onnx:Sigmoid', 'ai.onnx:Tanh'].includes(o))) return 'MLP';
  if (ops.some((o) => ['ai.onnx.ml:LinearClassifier', 'ai.onnx.ml:LinearRegressor'].includes(o))) return 'linear';
  return 'exact';
}

/** Every fixture with one `[rows, k]` input, grouped by the input's name and width. */
function fixtureGroups() {
  const groups = new Map();
  const names = readdirSync(join(ROOT, 'tests/data/onnx'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5))
    .sort();
  for (const name of names) {
    const fixture = readJson(`tests/data/onnx/${name}.json`);
    if (!fixture.model || fixture.inputs.length !== 1 || fixture.inputs[0].shape.length !== 2) continue;
    const key = `${fixture.inputs[0].name}/${fixture.inputs[0].shape[1]}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({ name, tier: tierOf(fixture.ops) });
  }
  return [...groups.values()];
}

/** Loads `group`'s models and its first fixture's rows, runs the Models cell, and returns
 * each model's parity sentence and table rows. */
async function parityOf(page, query, group) {
  await page.goto(`${server.url}${query}`);
  const csv = fixtureCsv(group[0].name);
  const models = group.map((f) => join(ROOT, `tests/data/onnx/${f.name}.onnx`));
  await page.getByTestId('file-input').setInputFiles([csv, ...models]);
  await page.getByTestId('dataset-row').filter({ hasText: `${group[0].name}.csv` }).waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=model-item]').length === n, group.length);
  await page.getByTestId('eval-label').selectOption('y');
  await page.getByTestId('run-models').click();
  await waitForCell(page, 'models', 300_000);
  const state = await textOf(page, 'state-models');
  if (!/^done/.test(state)) assert.fail(`${state}: ${await page.getByTestId('error-models').textContent()}`);
  const lines = await page.getByTestId('parity').allTextContents();
  const tables = await page.getByTestId('parity-table').evaluateAll((ts) =>
    ts.map((t) => [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent))),
  );
  return lines.map((line, i) => ({ line, rows: tables[i] ?? [] }));
}

test('the Models cell checks every fixture on WebGPU against the CPU engine, within its tier', async () => {
  const session = await openBrowser({ webgpu: true });
  try {
    const { page, problems } = session;
    let checked = 0;
    for (const group of fixtureGroups()) {
      const parity = await parityOf(page, '?backend=gpu', group);
      assert.equal(parity.length, group.length, group.map((f) => f.name).join(', '));
      group.forEach((fixture, i) => {
        const { line, rows } = parity[i];
        const what = `${fixture.name}: ${line}`;
        assert.ok(line.startsWith(`Parity of ${fixture.name}.onnx: WebGPU (`), what);
        assert.match(line, / against the CPU engine on \d+ rows, /, what);
        assert.ok(line.includes(`, ${fixture.tier} (`), `${what} (expected the ${fixture.tier} tier)`);
        assert.match(line, /: PASS; largest difference /, what);
        if (fixture.tier === 'exact') assert.match(line, /largest difference 0\.000e0;/, what);
        assert.ok(rows.length >= 1, what);
        for (const [output, verdict, detail] of rows) assert.equal(verdict, 'ok', `${what}: ${output}: ${detail}`);
        checked += 1;
      });
      if (checked === group.length) {
        await page.getByTestId('cell-models').screenshot({ path: join(ROOT, 'tests/browser/artifacts/webgpu-parity.png') });
      }
    }
    assert.equal(checked, 43);

    // The Engine control: from `core` (no parity shown) to `gpu` in the page.
    const [group] = fixtureGroups().filter((g) => g.some((f) => f.name === 'gb_binary_breast_cancer_100'));
    const one = group.filter((f) => f.name === 'gb_binary_breast_cancer_100');
    assert.deepEqual(await parityOf(page, '', one), []);
    assert.equal(await page.getByTestId('backend').inputValue(), 'core');
    await page.getByTestId('backend').selectOption('gpu');
    await page.getByTestId('run-models').click();
    await waitForCell(page, 'models', 120_000);
    const [parity] = await page.getByTestId('parity').allTextContents();
    assert.match(parity ?? '', /^Parity of gb_binary_breast_cancer_100\.onnx: WebGPU .*: PASS;/);
    // … and the Evaluate cell now runs on the GPU too.
    await page.getByTestId('eval-source').selectOption('model:gb_binary_breast_cancer_100.onnx');
    await page.getByTestId('run-evaluate').click();
    await waitForCell(page, 'evaluate', 120_000);
    await assertDone(page, await textOf(page, 'state-evaluate'));
    assert.match(await textOf(page, 'eval-engine'), /^gb_binary_breast_cancer_100\.onnx ran on `gpu`: the GPU engine was asked for; /);
    assert.deepEqual(problems, []);
  } finally {
    await session.browser.close();
  }
});

test('?backend=gpu: the Compare, Gate, Diagnose and Error analysis cells run their models on WebGPU and say so', async () => {
  const session = await openBrowser({ webgpu: true });
  try {
    const { page, problems } = session;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}?backend=gpu`);
    await page.getByTestId('load-demo').click();
    await page.getByTestId('dataset-row').nth(5).waitFor({ timeout: 30_000 });
    await page.getByTestId('eval-label').selectOption('label');
    await page.getByTestId('eval-source').selectOption('model:champion.onnx');
    for (const kind of ['compare', 'gate', 'diagnose', 'errors']) {
      await page.getByTestId(`run-${kind}`).click();
      await waitForCell(page, kind, 120_000);
      const state = await textOf(page, `state-${kind}`);
      if (!/^done/.test(state)) assert.fail(`${kind}: ${state}: ${await textOf(page, `error-${kind}`)}`);
      const line = await textOf(page, `${kind}-engine`);
      assert.match(line, /^champion\.onnx ran on `gpu`: the GPU engine was asked for; .*within the tolerance tier/, kind);
      assert.doesNotMatch(line, /OVER the tolerance tier|`core`/, kind);
      // A comparison runs both models, each said.
      if (kind === 'compare') assert.match(line, /\. challenger\.onnx ran on `gpu`: the GPU engine was asked for; /);
    }
    await page.getByTestId('cell-compare').screenshot({ path: join(ROOT, 'tests/browser/artifacts/webgpu-compare.png') });
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
    assert.match(run.engine ?? '', /^gb_binary_breast_cancer_100\.onnx ran on `core`: .*adapter.*CPU engine/i);
    assert.deepEqual(run.report, run.expected);
    // The default asks for no GPU and says nothing of it.
    const plain = await evaluate(page, '', 'gb_binary_breast_cancer_100');
    assert.equal(plain.engine, null);
    const unknown = await evaluate(page, '?backend=tpu', 'gb_binary_breast_cancer_100');
    assert.match(unknown.engine ?? '', /unknown backend `tpu`/);
    // The parity view says why it could not check.
    const [parity] = await parityOf(page, '?backend=gpu', [{ name: 'gb_binary_breast_cancer_100', tier: 'exact' }]);
    assert.match(parity?.line ?? '', /^Parity of gb_binary_breast_cancer_100\.onnx: parity not checked: .*adapter/i);
    assert.deepEqual(parity.rows, []);
    assert.deepEqual(problems, []);
  } finally {
    await session.browser.close();
  }
});
