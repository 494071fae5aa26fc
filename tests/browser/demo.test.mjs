// End-to-end: the page served by `lockstep demo` evaluates a picked CSV in its worker and
// shows the metrics that scikit-learn computed for the same file
// (tests/data/metrics/demo_*.json, made by scripts/fixtures/gen_binary_metrics.py), for
// a prediction column and for a score column at two thresholds. Any console error fails
// the test.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, openBrowser, readJson, startLockstep, textOf } from './harness.mjs';

// The page prints 4 decimals.
const PRINTED = 5e-5;
const DEMO_CSV = join(ROOT, 'www/demo/breast_cancer_eval.csv');

let server;
let session;

before(async () => {
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
});

after(async () => {
  await session?.browser.close();
  const exit = await server?.stop();
  // Graceful shutdown: SIGTERM ends the server with status 0.
  assert.equal(exit?.code, 0, `lockstep demo exited with ${JSON.stringify(exit)}`);
});

async function evaluate(page) {
  await page.getByTestId('run-evaluate').click();
  await page.waitForFunction(
    () => /^(done|failed)/.test(document.querySelector('[data-testid=state-evaluate]')?.textContent ?? ''),
    null,
    { timeout: 60_000 },
  );
}

async function assertMetrics(page, fixture) {
  const { expected } = readJson(`tests/data/metrics/${fixture}.json`);
  await page.getByTestId('eval-metrics').waitFor();
  for (const metric of ['accuracy', 'precision', 'recall', 'f1']) {
    const cell = page.locator(`[data-testid=eval-metrics] tr[data-metric=${metric}] td`).first();
    const shown = Number(await cell.textContent());
    assert.ok(
      Math.abs(shown - expected[metric]) <= PRINTED,
      `${fixture}: ${metric} shown ${shown}, scikit-learn ${expected[metric]}`,
    );
  }
}

test('a picked CSV is evaluated in the worker with scikit-learn\'s metrics', async () => {
  const { page, problems } = session;
  await page.goto(server.url);
  await page.getByTestId('file-input').setInputFiles(DEMO_CSV);
  await page.getByTestId('dataset-row').filter({ hasText: '171 rows × 6 columns' }).waitFor();
  assert.equal(await page.getByTestId('eval-label').inputValue(), 'malignant');
  await page.getByTestId('eval-source').selectOption('column:predicted');
  await evaluate(page);
  await assertMetrics(page, 'demo_pred');
  assert.deepEqual(problems, []);
});

test('a score column with a threshold gives the thresholded metrics', async () => {
  const { page, problems } = session;
  await page.getByTestId('eval-source').selectOption('score:score');
  await page.getByTestId('eval-threshold').fill('0.3');
  await evaluate(page);
  await assertMetrics(page, 'demo_t30');
  await page.getByTestId('eval-threshold').fill('0.5');
  await evaluate(page);
  await assertMetrics(page, 'demo_t50');
  assert.deepEqual(problems, []);
});

test('a picked file with string labels asks for the positive class', async () => {
  const { page, problems } = session;
  const rows = [['yes', 'yes'], ['no', 'yes'], ['yes', 'no'], ['no', 'no'], ['yes', 'yes']];
  const csv = `target,pred\n${rows.map((r) => r.join(',')).join('\n')}\n`;
  await page.getByTestId('file-input').setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByTestId('dataset-row').filter({ hasText: 'mine.csv' }).waitFor();
  await page.getByTestId('eval-dataset').selectOption('mine.csv');
  await page.getByTestId('eval-label').selectOption('target');
  await page.getByTestId('eval-source').selectOption('column:pred');
  await page.getByTestId('eval-threshold').fill('');
  await evaluate(page);
  assert.match(await textOf(page, 'error-evaluate'), /positive/);
  await page.getByTestId('eval-positive').fill('yes');
  await evaluate(page);
  const accuracy = rows.filter(([label, pred]) => label === pred).length / rows.length;
  const shown = await page.locator('[data-testid=eval-metrics] tr[data-metric=accuracy] td').first().textContent();
  assert.equal(shown, accuracy.toFixed(4));
  assert.deepEqual(problems, []);
});
