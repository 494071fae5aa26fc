// End-to-end: the Diagnose and Error analysis cells on the demo (www/demo/notebook).
// The diagnosis shown is `lockstep diagnose`'s on the same files (the page downloads
// the very JSON the CLI writes); two errors are tagged from the keyboard (type, Enter,
// arrow down), the tag shares are core's Wilson intervals, `tags.csv` fed to `lockstep
// diagnose --tags` gives the same shares, and a share link carries the tags (row numbers
// and tags only) into a fresh page. Screenshots (desktop and 390 px) go to
// tests/browser/artifacts/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, startLockstep, textOf } from './harness.mjs';

const DEMO = join(ROOT, 'www/demo/notebook');
const ARTIFACTS = join(ROOT, 'tests/browser/artifacts');
const CURVES = 'size,train_error,dev_error\n50,0.02,0.2\n100,0.03,0.15\n200,0.035,0.1\n400,0.0375,0.08\n';

let server;
let session;
const work = mkdtempSync(join(tmpdir(), 'lockstep-diagnose-e2e-'));

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

function cli(args) {
  const run = spawnSync(BIN, args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `lockstep ${args[0]} failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const MODEL = ['--model', join(DEMO, 'champion.onnx'), '--pipeline', join(DEMO, 'pipeline.json'), '--label', 'label'];

async function runCell(page, kind, timeout = 120_000) {
  await page.getByTestId(`run-${kind}`).click();
  await page.waitForFunction(
    (k) => /^(done|failed)/.test(document.querySelector(`[data-testid=state-${k}]`)?.textContent ?? ''),
    kind,
    { timeout },
  );
  return (await page.getByTestId(`state-${kind}`).textContent()).trim();
}

async function tableRows(locator) {
  await locator.first().waitFor({ timeout: 15_000 });
  return locator.first().evaluate((t) =>
    [...t.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent.trim())),
  );
}

async function downloaded(page, id) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
  return readFileSync(await download.path(), 'utf8');
}

async function screenshots(page, name) {
  for (const kind of ['diagnose', 'errors']) {
    await page.getByTestId(`cell-${kind}`).screenshot({ path: join(ARTIFACTS, `${name}-${kind}.png`) });
  }
}

test('Diagnose and Error analysis: the CLI\'s numbers, keyboard tags, shares, and a link that keeps them', async () => {
  const { page, problems } = session;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  await page.getByTestId('dataset-row').nth(5).waitFor({ timeout: 30_000 });

  // Diagnose: the four sets picked by role, the champion, the best baseline.
  assert.equal(await page.getByTestId('diagnose-train-dev').inputValue(), 'train_dev.csv');
  await page.getByTestId('cell-diagnose').getByText('Learning curves (optional)').click();
  await page.getByTestId('diagnose-curves').fill(CURVES);
  assert.match(await runCell(page, 'diagnose'), /^done/);
  const curves = join(work, 'curves.csv');
  writeFileSync(curves, CURVES);
  const expected = cli(['diagnose', ...MODEL, '--train', join(DEMO, 'train.csv'), '--train-dev', join(DEMO, 'train_dev.csv'),
    '--dev', join(DEMO, 'dev.csv'), '--test', join(DEMO, 'test.csv'), '--curves', curves, '--format', 'json']);
  assert.deepEqual(JSON.parse(await downloaded(page, 'diagnose-download-json')), expected);
  const gaps = await tableRows(page.getByTestId('diagnose-gaps'));
  assert.deepEqual(
    gaps.map((r) => [r[1], r[2]]),
    expected.diagnosis.gaps.map((g) => [g.estimate.toFixed(4), `[${g.lower.toFixed(4)}, ${g.upper.toFixed(4)}]`]),
  );
  assert.equal(await textOf(page, 'diagnose-focus'), `Next focus: ${expected.diagnosis.advice}`);
  const dominant = await textOf(page, 'diagnose-dominant');
  if (expected.diagnosis.dominant === null) assert.match(dominant, /none is dominant/);
  else assert.match(dominant, /^Dominant: /);
  assert.equal(await page.locator('[data-testid=diagnose-curve] svg').getAttribute('aria-label'), 'Learning curves');
  assert.ok(await page.locator('[data-testid=diagnose-gap-chart] svg').count() === 1);

  // A declared optimal error of 0: avoidable bias is then measured against it.
  await page.getByTestId('diagnose-optimal').fill('0');
  await page.getByTestId('diagnose-optimal').press('Tab');
  assert.match(await runCell(page, 'diagnose'), /^done/);
  const human = cli(['diagnose', ...MODEL, '--train', join(DEMO, 'train.csv'), '--train-dev', join(DEMO, 'train_dev.csv'),
    '--dev', join(DEMO, 'dev.csv'), '--test', join(DEMO, 'test.csv'), '--curves', curves, '--human', '0', '--format', 'json']);
  assert.deepEqual(JSON.parse(await downloaded(page, 'diagnose-download-json')), human);
  assert.equal(await textOf(page, 'diagnose-focus'), `Next focus: ${human.diagnosis.advice}`);

  // Error analysis: the dev set's eyeball errors, as lockstep diagnose --errors 100 lists them.
  assert.match(await runCell(page, 'errors'), /^done/);
  const listed = cli(['diagnose', ...MODEL, '--dev', join(DEMO, 'dev.csv'), '--errors', '100', '--format', 'json']);
  const rows = await tableRows(page.getByTestId('errors-table'));
  assert.deepEqual(rows.map((r) => r[0]), listed.errors.errors.map((e) => e.row_id));
  assert.deepEqual(rows.map((r) => r[3]), listed.errors.errors.map((e) => e.confidence.toFixed(4)));
  assert.ok(listed.errors.errors.length >= 2, 'at least two errors to tag');

  // Tag two rows from the keyboard: focus the first box, type, Enter; ↓; type, Enter.
  const first = page.getByTestId('tag-input').first();
  await first.focus();
  await page.keyboard.type('boundary');
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.tagIndex), '1');
  await page.keyboard.type('label noise');
  await page.keyboard.press('Enter');
  assert.equal(await page.getByTestId('tag-chip').count(), 2);
  const shares = await tableRows(page.getByTestId('tag-shares'));
  assert.deepEqual(shares.map((r) => r[0]).sort(), ['boundary', 'label noise']);
  // The shares are lockstep diagnose --tags' on the tags CSV the page offers.
  const tagsCsv = await downloaded(page, 'errors-download-tags');
  const ids = listed.errors.errors.map((e) => e.row_id);
  assert.equal(tagsCsv, `row_id,tag\n${ids[0]},boundary\n${ids[1]},label noise\n`);
  const tagsPath = join(work, 'tags.csv');
  writeFileSync(tagsPath, tagsCsv);
  const tagged = cli(['diagnose', ...MODEL, '--dev', join(DEMO, 'dev.csv'), '--errors', '100', '--tags', tagsPath, '--format', 'json']);
  for (const row of shares) {
    const s = tagged.tags.shares.find((t) => t.tag === row[0]);
    assert.equal(row[1], String(s.count));
    assert.equal(row[2], s.share.toFixed(4));
    assert.equal(row[3], `[${s.lower.toFixed(4)}, ${s.upper.toFixed(4)}]`);
  }
  assert.deepEqual(JSON.parse(await downloaded(page, 'errors-download-json')).tags, tagged.tags);
  await screenshots(page, 'diagnose-desktop');

  // The same cells at 390 px: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide at 390 px`);
  await screenshots(page, 'diagnose-390');
  await page.setViewportSize({ width: 1280, height: 900 });

  // A share link carries the tags (row numbers and tags only) into a fresh page.
  await page.getByTestId('copy-link').click();
  const link = await page.getByTestId('share-link').inputValue();
  assert.ok(!link.includes('Lima') && !link.includes('label noise,'), 'no row data in the link');
  const fresh = await session.browser.newPage();
  await fresh.goto(link);
  // The demo's files match the link's: its settings (and the tags) are applied.
  await fresh.getByTestId('load-demo').click();
  await fresh.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('[data-testid=link-files] tbody tr')];
      return rows.length > 0 && rows.every((r) => /matches/.test(r.textContent));
    },
    null,
    { timeout: 60_000 },
  );
  await fresh.waitForFunction(() => !document.querySelector('[aria-busy=true]'), null, { timeout: 120_000 });
  assert.match(await runCell(fresh, 'errors'), /^done/);
  assert.equal(await fresh.getByTestId('tag-chip').count(), 2);
  const reopened = await tableRows(fresh.getByTestId('tag-shares'));
  assert.deepEqual(reopened, shares);
  await fresh.close();
  assert.deepEqual(problems, []);
});
