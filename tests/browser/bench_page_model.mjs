// The page's model run at scale (issue 21): one data file of a label and 30 features
// evaluated through each bench model (tests/data/bench: GBDT 100 trees depth 6, MLP 64-32)
// in the notebook, in one headless Chromium run, twice per model: in a page whose
// notebook worker runs the model alone (`?workers=0`) and in the default page, whose
// engine workers run it in parts (frontend/src/pool.rs, `hardwareConcurrency − 1`
// of them). The model's time is the report's own measure (facts.latency_ms_per_row ×
// rows: the engine's run, awaited); 1 bootstrap replicate, so the evaluation around it
// stays small. The two reports must agree but for that latency. Then the Compare cell,
// GBDT (champion) against MLP (challenger) on the same file, 2 paired replicates: both
// models' times, the comparison's own measures (each side's latency_ms_per_row × rows),
// awaited through core's compare_request_async, so on the engine workers too; the two
// comparisons must agree but for those latencies. Not part of `npm test`:
// scripts/bench/page_model.sh makes the file and runs it.
//
//     node tests/browser/bench_page_model.mjs FILE
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, openBrowser, startLockstep, textOf, waitForCell } from './harness.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/browser/bench_page_model.mjs FILE');
  process.exit(2);
}
const REPS = Number(process.env.BENCH_REPS ?? 3);
const MODELS = ['gbdt_100x6.onnx', 'mlp_64x32.onnx'];
const server = await startLockstep(['demo', '--web-dir', 'dist']);
const { browser, page, problems } = await openBrowser();
const results = [];

/** One evaluation of `model` in the page now open; its report. */
async function evaluate(model) {
  await page.getByTestId('eval-source').selectOption(`model:${model}`);
  await page.getByTestId('run-evaluate').click();
  await waitForCell(page, 'evaluate');
  const state = await textOf(page, 'state-evaluate');
  if (!state.startsWith('done')) throw new Error(`${model}: ${state}: ${await textOf(page, 'error-evaluate')}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  return JSON.parse(readFileSync(await download.path(), 'utf8'));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One comparison, GBDT against MLP, in the page now open; its report. */
async function compare() {
  await page.getByTestId('run-compare').click();
  await waitForCell(page, 'compare');
  const state = await textOf(page, 'state-compare');
  if (!state.startsWith('done')) throw new Error(`compare: ${state}: ${await textOf(page, 'error-compare')}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-download-json').click()]);
  return JSON.parse(readFileSync(await download.path(), 'utf8'));
}

try {
  const name = basename(file);
  const reports = {};
  for (const [how, query] of [['1 worker', '?workers=0'], ['engine workers', '']]) {
    await page.goto(`${server.url}${query}`);
    const models = MODELS.map((m) => join(ROOT, 'tests/data/bench', m));
    await page.getByTestId('file-input').setInputFiles([file, ...models]);
    await page.getByTestId('dataset-row').filter({ hasText: name }).waitFor({ timeout: 600_000 });
    await page.getByTestId('model-item').filter({ hasText: MODELS[1] }).waitFor();
    await page.getByTestId('eval-dataset').selectOption(name);
    await page.getByTestId('eval-label').selectOption('label');
    await page.locator('[data-testid=cell-evaluate] details').evaluate((d) => (d.open = true));
    await page.getByTestId('eval-settings').fill('[bootstrap]\nreplicates = 1\n');
    const workers = await page.evaluate(() => navigator.hardwareConcurrency);
    for (const model of MODELS) {
      const times = [];
      let report;
      for (let i = 0; i < REPS; i++) {
        report = await evaluate(model);
        times.push(report.facts.latency_ms_per_row * report.rows);
      }
      reports[`${model} ${how}`] = report;
      const ms = median(times);
      const result = { model, how, rows: report.rows, cores: workers, model_ms: Math.round(ms), rows_per_s: Math.round(report.rows / (ms / 1000)) };
      console.log(JSON.stringify(result));
      results.push(result);
    }
    await page.getByTestId('compare-champion').selectOption(MODELS[0]);
    await page.getByTestId('compare-challenger').selectOption(MODELS[1]);
    await page.locator('[data-testid=cell-compare] details').evaluate((d) => (d.open = true));
    await page.getByTestId('compare-config').fill('[bootstrap]\nreplicates = 2\n');
    const times = [];
    let report;
    for (let i = 0; i < REPS; i++) {
      report = await compare();
      times.push((report.champion.latency_ms_per_row + report.challenger.latency_ms_per_row) * report.rows);
    }
    reports[`compare ${how}`] = report;
    const ms = median(times);
    const result = { model: 'compare', how, rows: report.rows, cores: workers, model_ms: Math.round(ms), rows_per_s: Math.round(report.rows / (ms / 1000)) };
    console.log(JSON.stringify(result));
    results.push(result);
  }
  const [a, b] = [reports['compare 1 worker'], reports['compare engine workers']];
  for (const r of [a, b]) for (const side of [r.champion, r.challenger]) delete side.latency_ms_per_row;
  assert.deepEqual(a, b, 'compare: the same comparison on 1 worker and on the engine workers');
  for (const model of MODELS) {
    const [a, b] = [reports[`${model} 1 worker`], reports[`${model} engine workers`]];
    for (const r of [a, b]) delete r.facts.latency_ms_per_row;
    assert.deepEqual(a, b, `${model}: the same report on 1 worker and on the engine workers`);
  }
} finally {
  await browser.close();
  await server.stop();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('| model | rows | 1 worker rows/s | engine workers rows/s | speed-up |');
console.log('|---|---|---|---|---|');
for (const model of [...MODELS, 'compare']) {
  const [one, all] = ['1 worker', 'engine workers'].map((how) => results.find((r) => r.model === model && r.how === how));
  console.log(`| ${model} | ${one.rows} | ${one.rows_per_s} | ${all.rows_per_s} | ${(all.rows_per_s / one.rows_per_s).toFixed(2)} |`);
}
