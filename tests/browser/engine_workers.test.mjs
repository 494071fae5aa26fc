// End-to-end: the notebook worker's engine workers (frontend/src/pool.rs). A large
// evaluation's bootstrap runs in parts on `hardwareConcurrency − 1` engine workers
// started by the notebook's worker; the report must be the same bytes as one sequential
// run — the native CLI's, `lockstep eval` on the same file (the expected bytes never
// come from this file). Cancelling terminates the notebook's worker, and the engine
// workers with it. A large model run is cut into parts run on the engine workers too
// (the page's engine, frontend/src/engine.rs), and the report is the CLI's but for the
// measured latency. Any console error or failed request fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, startLockstep, textOf } from './harness.mjs';

/** The Evaluate cell's state reads done; else fails with the cell's error (read only then:
 * an absent element would be waited for). */
async function assertDone(page, state) {
  if (!/^done/.test(state)) assert.fail(`${state}: ${await page.getByTestId('error-evaluate').textContent()}`);
}

let server;
let session;
const work = mkdtempSync(join(tmpdir(), 'lockstep-engine-workers-'));
const engineWorkers = [];

/** `rows` rows of a label `y` and a score `p` (a fixed LCG: the same file every run). */
function writeRows(name, rows) {
  let seed = 11;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['y,p'];
  for (let i = 0; i < rows; i++) {
    const y = random() < 0.3 ? 1 : 0;
    lines.push(`${y},${Math.min(1, Math.max(0, 0.3 * y + 0.7 * random())).toFixed(4)}`);
  }
  const path = join(work, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

before(async () => {
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
  // Nested dedicated workers are reported to the page too; engine workers carry
  // `role=engine` in their URL.
  session.page.on('worker', (worker) => {
    if (worker.url().includes('role=engine')) {
      const entry = { url: worker.url(), closed: false };
      worker.on('close', () => (entry.closed = true));
      engineWorkers.push(entry);
    }
  });
  await session.page.goto(server.url);
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

async function pick(page, path, name) {
  await page.getByTestId('file-input').setInputFiles(path);
  await page.getByTestId('dataset-row').filter({ hasText: name }).waitFor({ timeout: 120_000 });
  await page.getByTestId('eval-dataset').selectOption(name);
  await page.getByTestId('eval-label').selectOption('y');
  await page.getByTestId('eval-source').selectOption('score:p');
}

async function finished(page) {
  await page.waitForFunction(
    () => /^(done|failed)/.test(document.querySelector('[data-testid=state-evaluate]')?.textContent ?? ''),
    null,
    { timeout: 300_000 },
  );
  return textOf(page, 'state-evaluate');
}

test('a large bootstrap on the engine workers gives the CLI\'s report, byte for byte', async () => {
  const { page, problems } = session;
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // Over pool::MIN_ROWS (50,000), with the default 1,000 replicates.
  const path = writeRows('workers.csv', 60_000);
  await pick(page, path, 'workers.csv');
  await page.getByTestId('run-evaluate').click();
  await assertDone(page, await finished(page));
  const started = engineWorkers.length;
  assert.equal(started, Math.min(8, Math.max(1, cores - 1)), `engine workers for ${cores} cores`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-json').click(),
  ]);
  const shown = readFileSync(await download.path(), 'utf8');
  const cli = spawnSync(BIN, ['eval', '--data', path, '--label', 'y', '--score-col', 'p', '--format', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.ok(cli.status === 0 || cli.status === 1, `lockstep eval failed (${cli.status}): ${cli.stderr}`);
  assert.equal(shown, cli.stdout);
  assert.equal(JSON.parse(shown).bootstrap.replicates, 1000);
  // A second evaluation reuses the engine workers.
  await page.getByTestId('run-evaluate').click();
  assert.match(await finished(page), /^done/);
  assert.equal(engineWorkers.length, started);
  assert.deepEqual(problems, []);
});

test('cancelling terminates the engine workers with the notebook\'s worker', async () => {
  const { page, problems } = session;
  const path = writeRows('cancel.csv', 400_000);
  await pick(page, path, 'cancel.csv');
  const before = engineWorkers.filter((w) => !w.closed).length;
  assert.ok(before > 0, 'engine workers from the first test');
  await page.getByTestId('run-evaluate').click();
  await page.getByTestId('state-evaluate').filter({ hasText: 'running' }).waitFor();
  // Wait until the bootstrap is under way on the engine workers.
  await page.waitForFunction(
    () => /on \d+ workers/.test(document.querySelector('[data-testid=state-evaluate]')?.textContent ?? '') ||
      /on \d+ workers/.test(document.querySelector('[data-testid=status]')?.textContent ?? ''),
    null,
    { timeout: 120_000, polling: 50 },
  );
  await page.getByTestId('run-evaluate').click();
  assert.match(await textOf(page, 'error-evaluate'), /^cancelled$/);
  await page.waitForFunction(() => true, null, { timeout: 1000 });
  const deadline = Date.now() + 10_000;
  while (engineWorkers.slice(0, before).some((w) => !w.closed) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual(
    engineWorkers.slice(0, before).map((w) => w.closed),
    new Array(before).fill(true),
    'every engine worker of the cancelled run is closed',
  );
  assert.deepEqual(problems, []);
});

/** `rows` rows of 30 features f0…f29 and a label `y` (a fixed LCG: the same file every run). */
function writeFeatures(name, rows) {
  let seed = 5;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = [[...Array.from({ length: 30 }, (_, j) => `f${j}`), 'y'].join(',')];
  for (let i = 0; i < rows; i++) {
    const x = Array.from({ length: 30 }, () => (random() * 6 - 3).toFixed(3));
    const y = Number(x[0]) + Number(x[1]) + random() - 0.5 > 0 ? 1 : 0;
    lines.push([...x, String(y)].join(','));
  }
  const path = join(work, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

test('a large model run on the engine workers gives the CLI\'s report', async () => {
  const { page, problems } = session;
  // Over pool::MIN_MODEL_ROWS (50,000): two parts of at least 25,000 rows.
  const path = writeFeatures('model_rows.csv', 60_000);
  const model = join(ROOT, 'tests/data/bench/gbdt_100x6.onnx');
  const startedBefore = engineWorkers.length;
  await page.getByTestId('file-input').setInputFiles([path, model]);
  await page.getByTestId('dataset-row').filter({ hasText: 'model_rows.csv' }).waitFor({ timeout: 120_000 });
  await page.getByTestId('model-item').filter({ hasText: 'gbdt_100x6.onnx' }).waitFor();
  await page.getByTestId('eval-dataset').selectOption('model_rows.csv');
  await page.getByTestId('eval-label').selectOption('y');
  await page.getByTestId('eval-source').selectOption('model:gbdt_100x6.onnx');
  // Every progress line the cell shows, as it shows it.
  await page.evaluate(() => {
    window.lockstepSeen = [];
    const seen = () => {
      for (const id of ['state-evaluate', 'status']) {
        const text = document.querySelector(`[data-testid=${id}]`)?.textContent ?? '';
        if (text && window.lockstepSeen.at(-1) !== text) window.lockstepSeen.push(text);
      }
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('run-evaluate').click();
  await assertDone(page, await finished(page));
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const parts = Math.min(8, Math.max(1, cores - 1)) + 1;
  const seen = await page.evaluate(() => window.lockstepSeen);
  const want = Math.min(parts, Math.floor(60_000 / 25_000));
  assert.ok(
    seen.some((s) => s.includes(`model: 60000 rows on ${want} workers`)),
    `the model ran on the engine workers: ${JSON.stringify(seen)}`,
  );
  assert.ok(engineWorkers.length > startedBefore, 'engine workers started after the cancel');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-json').click(),
  ]);
  const got = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const cli = spawnSync(BIN, ['eval', '--data', path, '--label', 'y', '--model', model, '--format', 'json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.ok(cli.status === 0 || cli.status === 1, `lockstep eval failed (${cli.status}): ${cli.stderr}`);
  const expected = JSON.parse(cli.stdout);
  // The latency is measured on each side; everything else is the same evaluation.
  for (const report of [got, expected]) delete report.facts.latency_ms_per_row;
  assert.deepEqual(got, expected);
  assert.equal(got.rows, 60_000);
  assert.deepEqual(problems, []);
});
