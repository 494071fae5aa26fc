// End-to-end: the page served by `lockstep demo` loads the demo and shows the metrics
// that scikit-learn computed for the same file (tests/data/metrics/demo_*.json, made by
// scripts/fixtures/gen_binary_metrics.py). Any console error fails the test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openBrowser, readJson, startLockstep, textOf } from './harness.mjs';

// The page prints 4 decimals.
const PRINTED = 5e-5;

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

async function assertMetrics(page, fixture) {
  const { expected } = readJson(`tests/data/metrics/${fixture}.json`);
  const rows =
    expected.confusion.true_positives +
    expected.confusion.false_positives +
    expected.confusion.true_negatives +
    expected.confusion.false_negatives;
  assert.equal(await textOf(page, 'metric-rows'), String(rows));
  assert.equal(await textOf(page, 'metric-positive'), expected.positive_label);
  for (const metric of ['accuracy', 'precision', 'recall', 'f1']) {
    const shown = Number(await textOf(page, `metric-${metric}`));
    assert.ok(
      Math.abs(shown - expected[metric]) <= PRINTED,
      `${fixture}: ${metric} shown ${shown}, scikit-learn ${expected[metric]}`,
    );
  }
  assert.equal(await textOf(page, 'cm-tp'), String(expected.confusion.true_positives));
  assert.equal(await textOf(page, 'cm-fp'), String(expected.confusion.false_positives));
  assert.equal(await textOf(page, 'cm-tn'), String(expected.confusion.true_negatives));
  assert.equal(await textOf(page, 'cm-fn'), String(expected.confusion.false_negatives));
}

test('the demo loads with one click and shows scikit-learn\'s metrics', async () => {
  const { page, problems } = session;
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  assert.match(await textOf(page, 'dataset-summary'), /171 rows × 6 columns/);
  await assertMetrics(page, 'demo_pred');
  assert.deepEqual(problems, []);
});

test('a score column with a threshold gives the thresholded metrics', async () => {
  const { page, problems } = session;
  await page.getByTestId('mode-scores').check();
  await page.getByTestId('score-column').selectOption('score');
  await page.getByTestId('threshold').fill('0.3');
  await assertMetrics(page, 'demo_t30');
  await page.getByTestId('threshold').fill('0.5');
  await assertMetrics(page, 'demo_t50');
  assert.deepEqual(problems, []);
});

test('a malformed CSV shows an error naming the line, and nothing breaks', async () => {
  const { page, problems } = session;
  await page.getByTestId('file-input').setInputFiles({
    name: 'broken.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('label,prediction\n1,1\n0\n'),
  });
  const message = await textOf(page, 'load-error');
  assert.match(message, /broken\.csv: CSV line 3 has 1 fields, but the header has 2 columns/);
  // The demo stays loaded and evaluated.
  assert.match(await textOf(page, 'dataset-summary'), /171 rows/);
  assert.deepEqual(problems, []);
});

test('a picked file is evaluated in the page', async () => {
  const { page, problems } = session;
  const rows = [['yes', 'yes'], ['no', 'yes'], ['yes', 'no'], ['no', 'no'], ['yes', 'yes']];
  const csv = `target,pred\n${rows.map((r) => r.join(',')).join('\n')}\n`;
  await page.getByTestId('file-input').setInputFiles({
    name: 'mine.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  assert.match(await textOf(page, 'dataset-summary'), /mine\.csv: 5 rows × 2 columns/);
  assert.match(await textOf(page, 'metrics-error'), /positive label/);
  await page.getByTestId('positive-label').fill('yes');
  const accuracy = rows.filter(([label, pred]) => label === pred).length / rows.length;
  assert.equal(await textOf(page, 'metric-accuracy'), accuracy.toFixed(4));
  assert.deepEqual(problems, []);
});
