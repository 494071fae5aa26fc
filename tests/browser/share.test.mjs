// End-to-end: share links (`#s1.…`, docs/share-links.md) in the page. The demo
// notebook's link (made with "Copy link") reopens in a fresh browser context: the
// link's numbers show at once, its files are asked for and checked by sha256, and
// once they match the settings are applied and the evaluation re-runs to the same
// numbers. A different file under the same name gives a warning naming the artefact
// and applies nothing; a flipped character, a truncation, an unknown version, garbage
// and an oversized fragment each give a named error and a working page. A link printed
// by `lockstep eval --link` opens to the same settings and numbers. Screenshots
// (desktop and 390 px) go to tests/browser/artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, startLockstep, textOf } from './harness.mjs';

const DEMO = join(ROOT, 'www/demo/notebook');
const ARTIFACTS = join(ROOT, 'tests/browser/artifacts');

let server;
let session;
let link;
let original;
const work = mkdtempSync(join(tmpdir(), 'lockstep-share-e2e-'));

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

/** A page in a fresh browser context (no state shared with the others). */
async function freshPage(problems, viewport = { width: 1280, height: 900 }) {
  const context = await session.browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return page;
}

async function waitState(page, kind, pattern, timeout = 60_000) {
  await page.waitForFunction(
    ([k, p]) => new RegExp(p).test(document.querySelector(`[data-testid=state-${k}]`)?.textContent ?? ''),
    [kind, pattern],
    { timeout },
  );
}

async function tableRows(page, id) {
  const table = page.getByTestId(id).first();
  await table.waitFor({ timeout: 15_000 });
  return table.evaluate((t) =>
    [...t.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent.trim())),
  );
}

test('the demo notebook\'s link reopens in a fresh page: numbers at once, files checked, same numbers after the re-run', async () => {
  const { page, problems } = session;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  await page.getByTestId('dataset-row').nth(4).waitFor({ timeout: 30_000 });
  // Settings that are not the defaults, a note, a collapsed cell.
  await page.getByTestId('eval-threshold').fill('0.4');
  await page.getByTestId('notes-text').fill('Shared from the **demo**.');
  await page.getByTestId('collapse-skew').click();
  await page.getByTestId('run-evaluate').click();
  await waitState(page, 'evaluate', '^done');
  original = await tableRows(page, 'eval-metrics');

  await page.getByTestId('copy-link').click();
  link = await page.getByTestId('share-link').inputValue();
  assert.ok(link.startsWith(`${server.url}#s1.`), link);
  assert.equal(await page.evaluate(() => location.href), link, 'the address bar holds the link');
  const size = await textOf(page, 'share-link-size');
  const chars = link.length - link.indexOf('#') - 1;
  assert.ok(size.startsWith(`${chars} characters after #`), size);
  assert.ok(chars <= 2000, `the demo's link is ${chars} characters (budget 2,000)`);
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  console.log(`demo notebook link: ${chars} characters after #`);

  // A fresh browser context opens the link.
  const fresh = await freshPage(problems);
  await fresh.goto(link);
  await fresh.getByTestId('link-panel').waitFor();
  const summary = await tableRows(fresh, 'link-summary');
  assert.deepEqual(summary.map((r) => r[0]), original.map((r) => r[0].replace(/ [↑↓]$/, '')));
  summary.forEach((r, i) => {
    const shown = Number(original[i][1]);
    if (!Number.isNaN(shown)) assert.ok(Math.abs(Number(r[1]) - shown) <= 5e-4 * Math.max(1, Math.abs(shown)), `${r[0]}: ${r[1]} vs ${shown}`);
  });
  const files = await tableRows(fresh, 'link-files');
  assert.equal(files.length, 9);
  assert.ok(files.every((f) => f[2].startsWith('waiting')), JSON.stringify(files));
  // Nothing data-dependent is applied before the files are checked.
  assert.equal(await fresh.getByTestId('eval-threshold').inputValue(), '');
  assert.equal(await fresh.getByTestId('notes-text').inputValue(), 'Shared from the **demo**.');
  assert.equal(await fresh.getByTestId('collapse-skew').getAttribute('aria-expanded'), 'false');
  await fresh.screenshot({ path: join(ARTIFACTS, 'share-opened-desktop.png'), fullPage: true });

  // The files (the demo's) match: the settings are applied and the evaluation re-runs.
  await fresh.getByTestId('load-demo').click();
  await fresh.getByTestId('link-reproduced').waitFor({ timeout: 60_000 });
  await waitState(fresh, 'evaluate', '^done');
  assert.equal(await fresh.getByTestId('eval-threshold').inputValue(), '0.4');
  assert.deepEqual(await tableRows(fresh, 'eval-metrics'), original);
  const matched = await tableRows(fresh, 'link-files');
  assert.ok(matched.every((f) => f[2].startsWith('matches')), JSON.stringify(matched));
  await fresh.screenshot({ path: join(ARTIFACTS, 'share-rerun-desktop.png'), fullPage: true });
  await fresh.getByTestId('link-panel').screenshot({ path: join(ARTIFACTS, 'share-rerun-panel.png') });

  // 390 px: the panel and the link box fit.
  await fresh.setViewportSize({ width: 390, height: 844 });
  await fresh.getByTestId('copy-link').click();
  await fresh.getByTestId('share-link').waitFor();
  const width = await fresh.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide at 390 px`);
  await fresh.screenshot({ path: join(ARTIFACTS, 'share-390.png'), fullPage: true });
  await fresh.context().close();
  assert.deepEqual(problems, []);
});

test('a different file under the link\'s name: a warning naming the artefact, nothing applied until the user chooses', async () => {
  const problems = [];
  assert.ok(link, 'the first test made the link');
  const page = await freshPage(problems);
  await page.goto(link);
  await page.getByTestId('link-panel').waitFor();
  const csv = readFileSync(join(DEMO, 'test.csv'), 'utf8').replace(/,1\n/, ',0\n');
  const changed = join(work, 'test.csv');
  writeFileSync(changed, csv);
  await page.getByTestId('file-input').setInputFiles(changed);
  const warning = page.getByTestId('link-mismatch');
  await warning.waitFor({ timeout: 30_000 });
  const text = await warning.textContent();
  assert.match(text, /Fingerprint mismatch for the test data "test\.csv"/);
  assert.match(text, /Nothing from the link was applied/);
  assert.equal(await page.getByTestId('eval-threshold').inputValue(), '');
  assert.match(await textOf(page, 'state-evaluate'), /^idle/);
  await page.screenshot({ path: join(ARTIFACTS, 'share-mismatch-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide at 390 px`);
  await page.screenshot({ path: join(ARTIFACTS, 'share-mismatch-390.png'), fullPage: true });
  // The user's choice: the settings alone, no re-run.
  await page.getByTestId('link-apply-settings').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=eval-threshold]').value === '0.4');
  assert.match(await textOf(page, 'link-state'), /^Only the settings were applied/);
  assert.match(await textOf(page, 'state-evaluate'), /^idle/);
  await page.context().close();
  assert.deepEqual(problems, []);
});

test('damaged links give a named error and leave a working page', async () => {
  assert.ok(link, 'the first test made the link');
  const fragment = link.slice(link.indexOf('#') + 1);
  const middle = Math.floor(fragment.length / 2);
  const flipped = fragment.slice(0, middle) + (fragment[middle] === 'A' ? 'B' : 'A') + fragment.slice(middle + 1);
  const cases = [
    ['a flipped character', flipped, /checksum mismatch|corrupt|damaged/],
    ['a truncation', fragment.slice(0, middle), /damaged|truncated|checksum|corrupt/],
    ['an unknown version', fragment.replace(/^s1\./, 's9.'), /unknown link version "s9"/],
    ['garbage', 's1.!!!~~~', /bad base64/],
    ['not a link', 'hello', /not a Lockstep link/],
    ['an oversized fragment', `s1.${'A'.repeat(70_000)}`, /too large: 70003 bytes/],
  ];
  for (const [what, bad, pattern] of cases) {
    const problems = [];
    const page = await freshPage(problems);
    await page.goto(`${server.url}#${bad}`);
    const error = await textOf(page, 'link-error');
    assert.match(error, pattern, `${what}: ${error}`);
    assert.match(error, /^This link cannot be opened: .*Nothing from it was applied/, what);
    assert.equal(await page.getByTestId('link-panel').count(), 0, what);
    if (what === 'a flipped character') await page.screenshot({ path: join(ARTIFACTS, 'share-damaged-desktop.png'), fullPage: true });
    // The page works: the demo loads and evaluates.
    await page.getByTestId('load-demo').click();
    await page.getByTestId('dataset-row').nth(4).waitFor({ timeout: 30_000 });
    await page.getByTestId('link-error-dismiss').click();
    assert.equal(await page.getByTestId('link-error').count(), 0, what);
    await page.context().close();
    assert.deepEqual(problems, [], what);
  }
});

test('a link printed by `lockstep eval --link` opens to the same settings and numbers', async () => {
  const problems = [];
  const run = spawnSync(
    BIN,
    ['eval', '--data', join(DEMO, 'test.csv'), '--label', 'label', '--model', join(DEMO, 'champion.onnx'),
      '--pipeline', join(DEMO, 'pipeline.json'), '--threshold', '0.35', '--format', 'json', '-o', join(work, 'r.json'),
      '--link', server.url],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  const cliLink = run.stdout.trim();
  assert.ok(cliLink.startsWith(`${server.url}#s1.`), cliLink);
  const report = JSON.parse(readFileSync(join(work, 'r.json'), 'utf8'));
  const page = await freshPage(problems);
  await page.goto(cliLink);
  await page.getByTestId('link-panel').waitFor();
  await page.getByTestId('load-demo').click();
  await page.getByTestId('link-reproduced').waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('eval-threshold').inputValue(), '0.35');
  const metrics = await tableRows(page, 'eval-metrics');
  assert.deepEqual(metrics.map((r) => r[0].replace(/ [↑↓]$/, '')), report.metrics.map((m) => m.name));
  metrics.forEach((r, i) => {
    const m = report.metrics[i];
    if ('value' in m.estimate) assert.ok(Math.abs(Number(r[1]) - m.estimate.value) <= 5e-5, `${m.name}: ${r[1]}`);
  });
  await page.context().close();
  assert.deepEqual(problems, []);
});
