// The slice finder in the page (issue 15): one large file (scripts/bench/gen_slice_rows.py:
// 30 feature columns, a label and a prediction with three planted weak slices) loaded into
// the notebook, the Evaluate cell pointed at its label and prediction, and the Slices cell
// run with `[finder] max_level = 3` (SliceLine's lattice + Welch + Benjamini–Hochberg, in
// the worker, its progress shown). Prints the load time, the Slices cell's time (the
// evaluation with 20 bootstrap replicates and the finder), the finder's own last progress
// line, the top slices found, and a screenshot (tests/browser/artifacts/scale-slices.png).
// Not part of `npm test`: scripts/bench/page_slices.sh.
//
//     node tests/browser/bench_page_slices.mjs FILE
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT, openBrowser, startLockstep, textOf, waitForCell } from './harness.mjs';

const ARTIFACTS = join(ROOT, 'tests/browser/artifacts');
const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/browser/bench_page_slices.mjs FILE');
  process.exit(2);
}
mkdirSync(ARTIFACTS, { recursive: true });
const server = await startLockstep(['demo', '--web-dir', 'dist']);
const { browser, page, problems } = await openBrowser();
try {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url);
  const name = basename(file);
  const t0 = Date.now();
  await page.getByTestId('file-input').setInputFiles(file);
  await page.getByTestId('dataset-row').filter({ hasText: name }).waitFor({ timeout: 600_000 });
  const loadMs = Date.now() - t0;
  await page.getByTestId('eval-dataset').selectOption(name);
  await page.getByTestId('eval-label').selectOption('label');
  await page.getByTestId('eval-source').selectOption('column:pred');
  await page.locator('[data-testid=cell-evaluate] details').evaluateAll((ds) => ds.forEach((d) => (d.open = true)));
  await page.getByTestId('eval-settings').fill('[bootstrap]\nreplicates = 20\n');
  await page.getByTestId('slices-spec').fill('[finder]\nmax_level = 3\n');
  const stages = [];
  const watch = setInterval(async () => {
    const text = await page.getByTestId('state-slices').textContent().catch(() => '');
    if (/slice finder/.test(text ?? '') && stages.at(-1) !== text) stages.push(text.trim());
  }, 250);
  const t1 = Date.now();
  await page.getByTestId('run-slices').click();
  await waitForCell(page, 'slices');
  const slicesMs = Date.now() - t1;
  clearInterval(watch);
  const state = await textOf(page, 'state-slices');
  if (!state.startsWith('done')) throw new Error(`${state}: ${await textOf(page, 'error-slices')}`);
  const found = await page.getByTestId('found-rows-button').allTextContents();
  const result = {
    file: name,
    load_ms: loadMs,
    slices_cell_ms: slicesMs,
    progress_seen: stages.length,
    last_progress: stages.at(-1) ?? '',
    summary: await textOf(page, 'slices-finder-summary'),
    top: found.slice(0, 5),
  };
  await page.getByTestId('cell-slices').screenshot({ path: join(ARTIFACTS, 'scale-slices.png') });
  console.log(`RESULT ${JSON.stringify(result)}`);
} finally {
  await browser.close();
  await server.stop();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
