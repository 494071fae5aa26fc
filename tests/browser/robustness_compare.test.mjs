// End-to-end: the Robustness and Compare cells on the demo. Robustness runs the
// behavioural tests in the worker through core's evaluation request and
// attach_behaviour; its fail rates and Wilson intervals are `lockstep eval
// --behaviour`'s on the same files. Compare runs core's comparison request; its
// differences, paired intervals, McNemar and DeLong figures and verdict are `lockstep
// compare`'s, and its JSON export is the CLI's byte for byte but for the measured
// latencies. Screenshots (desktop and 390 px) go to tests/browser/artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, startLockstep, textOf } from './harness.mjs';

const DEMO = join(ROOT, 'www/demo/notebook');
const ARTIFACTS = join(ROOT, 'tests/browser/artifacts');
const PRINTED = 5e-5;

let server;
let session;
const work = mkdtempSync(join(tmpdir(), 'lockstep-cells2-e2e-'));

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
  const { page } = session;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  await page.getByTestId('dataset-row').nth(4).waitFor({ timeout: 30_000 });
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

function cli(args) {
  const run = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, `lockstep ${args[0]} failed (${run.status}): ${run.stderr}`);
  return run;
}

async function runCell(page, kind, timeout = 120_000) {
  await page.getByTestId(`run-${kind}`).click();
  await page.waitForFunction(
    (k) => /^(done|failed)/.test(document.querySelector(`[data-testid=state-${k}]`)?.textContent ?? ''),
    kind,
    { timeout },
  );
  return (await page.getByTestId(`state-${kind}`).textContent()).trim();
}

async function tableRows(page, id) {
  const table = page.getByTestId(id).first();
  await table.waitFor({ timeout: 15_000 });
  return table.evaluate((t) =>
    [...t.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent.trim())),
  );
}

const close = (shown, value, what) =>
  assert.ok(Math.abs(Number(shown) - value) <= PRINTED, `${what}: shown ${shown}, the CLI's ${value}`);

test('Robustness: the example suite\'s fail rates and Wilson intervals are `lockstep eval --behaviour`\'s', async () => {
  const { page, problems } = session;
  await page.getByTestId('robustness-example').click();
  const suite = await page.getByTestId('robustness-spec').inputValue();
  assert.match(suite, /\[\[invariance\]\]/);
  const state = await runCell(page, 'robustness');
  assert.match(state, /^done/, await page.getByTestId('error-robustness').textContent().catch(() => state));
  const file = join(work, 'suite.toml');
  writeFileSync(file, suite);
  const run = cli(['eval', '--data', join(DEMO, 'test.csv'), '--label', 'label', '--model', join(DEMO, 'champion.onnx'),
    '--pipeline', join(DEMO, 'pipeline.json'), '--behaviour', file, '--format', 'json']);
  const expected = JSON.parse(run.stdout).behaviour;
  const rows = await tableRows(page, 'robustness-tests');
  assert.deepEqual(rows.map((r) => r[0]), expected.tests.map((t) => t.name));
  rows.forEach((r, i) => {
    const t = expected.tests[i];
    close(r[2], t.fail_rate, `${t.name} fail rate`);
    const [lower, upper] = r[3].replace(/[[\]]/g, '').split(',').map(Number);
    close(lower, t.fail_rate_lower, `${t.name} lower`);
    close(upper, t.fail_rate_upper, `${t.name} upper`);
    assert.equal(Number(r[6]), t.tested_rows, `${t.name} tested`);
    assert.equal(Number(r[7]), t.failed_rows, `${t.name} failed`);
    assert.equal(r[5], { pass: 'pass', fail: 'FAIL', not_judged: 'not judged' }[t.status], t.name);
  });
  assert.match(await textOf(page, 'robustness-verdict'), expected.passed ? /^PASS/ : /^FAIL/);
  assert.ok((await page.locator('[data-testid=robustness-plots] svg').count()) >= 1, 'a perturbation curve');
  await page.getByTestId('cell-robustness').screenshot({ path: join(ARTIFACTS, 'robustness-desktop.png') });
  assert.deepEqual(problems, []);
});

test('Compare: deltas with paired intervals, McNemar, DeLong and the verdict are `lockstep compare`\'s', async () => {
  const { page, problems } = session;
  assert.match(await runCell(page, 'compare'), /^done/);
  const out = join(work, 'compare.json');
  cli(['compare', '--data', join(DEMO, 'test.csv'), '--label', 'label', '--champion', join(DEMO, 'champion.onnx'),
    '--challenger', join(DEMO, 'challenger.onnx'), '--pipeline', join(DEMO, 'pipeline.json'), '--format', 'json', '-o', out]);
  const expected = JSON.parse(readFileSync(out, 'utf8'));
  const rows = await tableRows(page, 'compare-metrics');
  assert.deepEqual(rows.map((r) => r[0].replace(/ [↑↓]$/, '')), expected.metrics.map((m) => m.name));
  rows.forEach((r, i) => {
    const m = expected.metrics[i];
    if ('value' in m.champion.estimate) close(r[1], m.champion.estimate.value, `${m.name} champion`);
    if ('value' in m.challenger.estimate) close(r[3], m.challenger.estimate.value, `${m.name} challenger`);
    if ('value' in m.difference.estimate) close(r[5], m.difference.estimate.value, `${m.name} difference`);
  });
  assert.match(await textOf(page, 'compare-verdict'), expected.verdict.accepted ? /^ACCEPTED/ : /^REJECTED/);
  if (expected.mcnemar) {
    const text = await textOf(page, 'compare-mcnemar');
    assert.ok(text.includes(`champion only right on ${expected.mcnemar.champion_only_correct} rows`), text);
    assert.ok(text.includes(`challenger only right on ${expected.mcnemar.challenger_only_correct}`), text);
  }
  if (expected.delong) assert.match(await textOf(page, 'compare-delong'), /^DeLong's test \(ROC-AUC\)/);
  const charts = await page.locator('[data-testid=compare-plots] svg').evaluateAll((s) => s.map((e) => e.getAttribute('aria-label')));
  assert.ok(charts.some((c) => /paired intervals/.test(c)), charts.join(', '));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-download-json').click()]);
  const got = JSON.parse(readFileSync(await download.path(), 'utf8'));
  for (const report of [got, expected]) {
    for (const side of [report.champion, report.challenger]) {
      delete side.latency_ms_per_row;
      delete side.name;
    }
  }
  assert.deepEqual(got, expected);
  await page.getByTestId('cell-compare').screenshot({ path: join(ARTIFACTS, 'compare-desktop.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide at 390 px`);
  await page.getByTestId('cell-compare').screenshot({ path: join(ARTIFACTS, 'compare-390.png') });
  await page.getByTestId('cell-robustness').screenshot({ path: join(ARTIFACTS, 'robustness-390.png') });
  assert.deepEqual(problems, []);
});

test('Compare: with slices, Simpson\'s paradox between the models is `lockstep compare --slices`\'s', async () => {
  const { page, problems } = session;
  await page.setViewportSize({ width: 1280, height: 900 });
  const slices = '[[by]]\ncolumns = ["device"]\n\n[[by]]\ncolumns = ["plan"]\n';
  await page.locator('[data-testid=cell-compare] details').evaluateAll((ds) => ds.forEach((d) => (d.open = true)));
  await page.getByTestId('compare-slices').fill(slices);
  assert.match(await runCell(page, 'compare'), /^done/);
  const file = join(work, 'slices.toml');
  writeFileSync(file, slices);
  const out = join(work, 'compare-slices.json');
  cli(['compare', '--data', join(DEMO, 'test.csv'), '--label', 'label', '--champion', join(DEMO, 'champion.onnx'),
    '--challenger', join(DEMO, 'challenger.onnx'), '--pipeline', join(DEMO, 'pipeline.json'), '--slices', file,
    '--format', 'json', '-o', out]);
  const expected = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(expected.simpson.length, 5);
  const section = page.getByTestId('compare-simpson');
  const lines = await section.locator('p.summary').allTextContents();
  assert.deepEqual(
    lines.map((l) => l.split(':')[0]),
    expected.simpson.map((m) => ({ accuracy: 'accuracy', error_rate: 'error rate', recall: 'recall', precision: 'precision', f1: 'F1' })[m.metric]),
  );
  for (const [i, m] of expected.simpson.entries()) {
    if (m.check.kind === 'impossible') assert.match(lines[i], /cannot happen here: .*cannot lose in every stratum/);
    else assert.match(lines[i], /checked over \d+ partitions|partitions reverse/);
  }
  const reversals = expected.simpson.flatMap((m) => (m.check.findings ?? []).filter((f) => f.reversed));
  const warnings = await section.getByTestId('compare-simpson-warning').locator('p').allTextContents();
  assert.deepEqual(warnings, reversals.map((f) => f.message));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compare-download-json').click()]);
  const got = JSON.parse(readFileSync(await download.path(), 'utf8'));
  for (const report of [got, expected]) {
    for (const side of [report.champion, report.challenger]) {
      delete side.latency_ms_per_row;
      delete side.name;
    }
  }
  assert.deepEqual(got.simpson, expected.simpson);
  await page.getByTestId('cell-compare').screenshot({ path: join(ARTIFACTS, 'compare-simpson.png') });
  await page.getByTestId('compare-slices').fill('');
  assert.deepEqual(problems, []);
});
