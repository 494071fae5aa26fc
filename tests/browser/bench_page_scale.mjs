// The page at scale (issue 13): loads one large data file into the notebook (headless
// Chromium, `lockstep demo` serving dist/), evaluates its `label` against its `score`
// with the default report (every metric, both reliability diagrams, 1,000 bootstrap
// replicates; on the notebook worker's engine workers too, frontend/src/pool.rs) in the
// worker, then again with 1 replicate (what is not the bootstrap), and prints the load
// and evaluation times, the table's and
// the worker's memory as the page shows them, and a screenshot of the Evaluate cell
// (tests/browser/artifacts/scale-<file>.png). Not part of `npm test`: files are made by
// scripts/bench/gen_eval_rows.py; scripts/bench/page_scale.sh runs both.
//
//     node tests/browser/bench_page_scale.mjs FILE [FILE…]
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, openBrowser, startLockstep, textOf, waitForCell } from './harness.mjs';

const ARTIFACTS = join(ROOT, 'tests/browser/artifacts');
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node tests/browser/bench_page_scale.mjs FILE [FILE…]');
  process.exit(2);
}
mkdirSync(ARTIFACTS, { recursive: true });
const server = await startLockstep(['demo', '--web-dir', 'dist']);
const { browser, page, problems } = await openBrowser();
const results = [];
try {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url);
  for (const file of files) {
    const name = basename(file);
    const t0 = Date.now();
    await page.getByTestId('file-input').setInputFiles(file);
    const row = page.getByTestId('dataset-row').filter({ hasText: name });
    await Promise.race([
      row.waitFor({ timeout: 600_000 }),
      page.getByTestId('load-error').waitFor({ timeout: 600_000 }).then(async () => {
        throw new Error(`${name}: ${await textOf(page, 'load-error')}`);
      }),
    ]);
    const loadMs = Date.now() - t0;
    const memory = (await row.getByTestId('dataset-memory').textContent()).trim();
    await page.getByTestId('eval-dataset').selectOption(name);
    await page.getByTestId('eval-label').selectOption('label');
    await page.getByTestId('eval-source').selectOption('score:score');
    const t1 = Date.now();
    let lastStage = '';
    const watch = setInterval(async () => {
      const text = await page.getByTestId('state-evaluate').textContent().catch(() => '');
      if (/workers/.test(text ?? '')) lastStage = text.replace(/^running: /, '').replace(/ \(.*$/, '');
    }, 200);
    await page.getByTestId('run-evaluate').click();
    await waitForCell(page, 'evaluate');
    const evalMs = Date.now() - t1;
    clearInterval(watch);
    const state = await textOf(page, 'state-evaluate');
    if (!state.startsWith('done')) throw new Error(`${name}: ${state}: ${await textOf(page, 'error-evaluate')}`);
    const cost = await textOf(page, 'eval-cost');
    const auc = await page.locator('[data-testid=eval-metrics] tr[data-metric=roc_auc] td').first().textContent();
    await page.getByTestId('cell-evaluate').screenshot({ path: join(ARTIFACTS, `scale-${name}.png`) });
    // The same evaluation with 1 bootstrap replicate: what is not the replicates (the
    // sort, the metrics, the curves, the exports); the difference is the replicates'.
    await page.locator('[data-testid=cell-evaluate] details').evaluate((d) => (d.open = true));
    await page.getByTestId('eval-settings').fill('[bootstrap]\nreplicates = 1\n');
    const t2 = Date.now();
    await page.getByTestId('run-evaluate').click();
    await waitForCell(page, 'evaluate');
    const oneReplicateMs = Date.now() - t2;
    await page.getByTestId('eval-settings').fill('');
    const result = {
      file: name,
      load_ms: loadMs,
      evaluate_ms: evalMs,
      evaluate_1_replicate_ms: oneReplicateMs,
      bootstrap: lastStage || 'in the notebook worker alone',
      table_memory: memory,
      shown: cost,
      roc_auc: auc.trim(),
    };
    console.log(JSON.stringify(result));
    results.push(result);
  }
  await page.screenshot({ path: join(ARTIFACTS, 'scale-page.png'), fullPage: true });
} finally {
  await browser.close();
  await server.stop();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`RESULT ${JSON.stringify(results)}`);
