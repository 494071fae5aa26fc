// End-to-end: the Slices and Gate cells on the demo (www/demo/notebook). The Slices
// cell's report is `lockstep eval --slices`'s, byte for byte but the measured latency;
// its finder shows progress in the worker and a second click on Run cancels it. The Gate
// cell's checklist is `lockstep gate`'s on the same files (with the Skew cell's report
// as `--skew`). Screenshots (desktop and 390 px) go to tests/browser/artifacts/.
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
const work = mkdtempSync(join(tmpdir(), 'lockstep-cells-e2e-'));

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
  assert.ok(run.status === 0 || run.status === 1, `lockstep ${args[0]} failed (${run.status}): ${run.stderr}`);
  return run;
}

async function runCell(page, kind, timeout = 60_000) {
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

async function screenshot(page, name, cells) {
  for (const kind of cells) {
    await page.getByTestId(`cell-${kind}`).screenshot({ path: join(ARTIFACTS, `${name}-${kind}.png`) });
  }
}

const SLICES = `[[slice]]
name = "older"
where = 'age >= 50'

[[by]]
columns = ["device"]

[[by]]
columns = ["plan", "member"]

[finder]
max_level = 2

[simpson]
group = "member"
`;

/**
 * Clicks the first slice name of `button` (`slice-rows-button`: named slices,
 * `found-rows-button`: the finder's) and checks its rows: as many as the CLI's report
 * counts for `slice`, each the CSV's row of that number (read here from the file).
 */
async function assertSliceRows(page, button, slice, csvPath) {
  const csv = readFileSync(csvPath, 'utf8').trim().split('\n').map((l) => l.split(','));
  // Numbers as numbers (`50` is pandas' `50.0`), booleans in any case (`False`).
  const same = (shown, written) =>
    shown.toLowerCase() === written.toLowerCase() ||
    (shown !== '' && written !== '' && Number(shown) === Number(written));
  await page.getByTestId(button).first().click();
  await page.waitForFunction(
    (name) => (document.querySelector('[data-testid=slice-rows-summary]')?.textContent ?? '').startsWith(`${name}:`),
    slice.name,
    { timeout: 15_000 },
  );
  assert.match(await textOf(page, 'slice-rows-summary'), new RegExp(`^[^:]+: ${slice.rows} of ${csv.length - 1} rows select`));
  const shown = await tableRows(page.getByTestId('slice-rows'));
  assert.equal(shown.length, Math.min(20, slice.rows));
  for (const [row, ...values] of shown) {
    const written = csv[Number(row)];
    assert.ok(values.every((v, i) => same(v, written[i])), `row ${row}: ${values} vs ${written}`);
  }
}

test('Slices: the report is lockstep eval --slices\'s, with the chart, the finder and Simpson', async () => {
  const { page, problems } = session;
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  await page.getByTestId('dataset-row').nth(4).waitFor({ timeout: 30_000 });
  // The box starts with a default over the test set's first column.
  assert.match(await page.getByTestId('slices-spec').inputValue(), /^\[\[by\]\]\ncolumns = \["age"\]/);
  await page.getByTestId('slices-spec').fill(SLICES);
  assert.match(await runCell(page, 'slices'), /^done/);
  const spec = join(work, 'slices.toml');
  writeFileSync(spec, SLICES);
  const run = cli(['eval', '--data', join(DEMO, 'test.csv'), '--label', 'label', '--model', join(DEMO, 'champion.onnx'),
    '--pipeline', join(DEMO, 'pipeline.json'), '--slices', spec, '--format', 'json']);
  const expected = JSON.parse(run.stdout);
  const got = JSON.parse(await downloaded(page, 'slices-download-json'));
  for (const report of [got, expected]) delete report.facts.latency_ms_per_row;
  assert.deepEqual(got, expected);
  assert.equal(expected.schema_version, '1.3.0');
  // The table: every slice, the first metric with its interval, the rest and the gap.
  const rows = await tableRows(page.getByTestId('slices-table'));
  const metric = expected.slices.slices[0].metrics[0];
  assert.deepEqual(rows.map((r) => r[0]), expected.slices.slices.map((s) => s.name));
  assert.equal(rows[0][0], 'older');
  assert.ok(Math.abs(Number(rows[0][2]) - metric.estimate.value) <= 5e-5, rows[0].join(' | '));
  assert.equal(rows[0][3], `[${metric.lower.value.toFixed(4)}, ${metric.upper.value.toFixed(4)}]`);
  // The chart is core's (the HTML export draws the same one), with values on hover.
  const label = await page.locator('[data-testid=slices-chart] svg').getAttribute('aria-label');
  assert.equal(label, `${metric.name} by slice`);
  const html = await downloaded(page, 'slices-download-html');
  assert.ok(html.includes(`aria-label="${metric.name} by slice"`));
  assert.ok((await page.locator('[data-testid=slices-chart] svg g title').count()) === expected.slices.slices.length);
  // Another metric redraws the chart and the table.
  const second = expected.slices.slices[0].metrics[1].name;
  await page.getByTestId('slices-metric').selectOption(second);
  assert.equal(await page.locator('[data-testid=slices-chart] svg').getAttribute('aria-label'), `${second} by slice`);
  // A slice's name, clicked, shows its rows.
  await assertSliceRows(page, 'slice-rows-button', expected.slices.slices[0], join(DEMO, 'test.csv'));
  // The finder's summary, and Simpson's check in words.
  assert.match(await textOf(page, 'slices-finder-summary'), /^Slice finder: \d+ of \d+ candidates/);
  assert.match(await textOf(page, 'simpson-summary'), /^Simpson's paradox: /);
  assert.equal(
    await page.getByTestId('simpson-warning').count(),
    expected.slices.simpson.findings.filter((f) => f.reversed).length,
  );
  await screenshot(page, 'cells-desktop', ['slices']);
  assert.deepEqual(problems, []);
});

test('Slices: a reversal is a warning with its table', async () => {
  const { page, problems } = session;
  // The kidney-stone study as a model's errors (Charig et al. 1986): right on a row when
  // the treatment succeeded.
  const lines = ['treatment,stones,label,pred'];
  for (const [t, s, ok, total] of [['A', 'small', 81, 87], ['A', 'large', 192, 263], ['B', 'small', 234, 270], ['B', 'large', 55, 80]]) {
    for (let i = 0; i < total; i++) {
      const label = i % 2;
      lines.push(`${t},${s},${label},${i < ok ? label : 1 - label}`);
    }
  }
  const file = join(work, 'stones.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await page.getByTestId('file-input').setInputFiles(file);
  await page.getByTestId('dataset-row').filter({ hasText: 'stones.csv' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('eval-dataset').selectOption('stones.csv');
  await page.getByTestId('eval-label').selectOption('label');
  await page.getByTestId('eval-source').selectOption('column:pred');
  await page.getByTestId('slices-spec').fill('[[by]]\ncolumns = ["stones"]\n\n[simpson]\ngroup = "treatment"\n');
  assert.match(await runCell(page, 'slices'), /^done/);
  const warning = page.getByTestId('simpson-warning');
  assert.equal(await warning.count(), 1);
  assert.match(await warning.locator('p').textContent(),
    /^Overall, treatment=A has the higher zero_one rate \(22% vs 17\.4286%\), yet treatment=B is higher in every one of the 2 strata of stones: Simpson's paradox\./);
  const [all, ...strata] = await tableRows(warning.locator('table'));
  assert.deepEqual(all, ['all rows', '350', '0.2200', '350', '0.1743']);
  assert.deepEqual(strata.sort(), [
    ['stones=large', '263', '0.2700', '80', '0.3125'],
    ['stones=small', '87', '0.0690', '270', '0.1333'],
  ]);
  await screenshot(page, 'cells-simpson', ['slices']);
  assert.deepEqual(problems, []);
});

test('Slices: a slice the finder found, clicked, shows its rows, as many as lockstep eval --slices counts', async () => {
  const { page, problems } = session;
  // A planted weak slice: the model is wrong on 60 % of region=EU & device=mobile and on
  // 5 % of the other rows.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['region,device,age,label,pred'];
  for (let i = 0; i < 4000; i++) {
    const region = ['EU', 'US', 'APAC'][Math.floor(random() * 3)];
    const device = ['mobile', 'desktop'][Math.floor(random() * 2)];
    const label = random() < 0.5 ? 1 : 0;
    const wrong = random() < (region === 'EU' && device === 'mobile' ? 0.6 : 0.05);
    lines.push(`${region},${device},${20 + Math.floor(random() * 50)},${label},${wrong ? 1 - label : label}`);
  }
  const file = join(work, 'planted.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const spec = '[finder]\nmax_level = 2\n';
  await page.getByTestId('file-input').setInputFiles(file);
  await page.getByTestId('dataset-row').filter({ hasText: 'planted.csv' }).waitFor({ timeout: 30_000 });
  await page.getByTestId('eval-dataset').selectOption('planted.csv');
  await page.getByTestId('eval-label').selectOption('label');
  await page.getByTestId('eval-source').selectOption('column:pred');
  await page.getByTestId('slices-spec').fill(spec);
  assert.match(await runCell(page, 'slices'), /^done/);
  const specFile = join(work, 'planted.toml');
  writeFileSync(specFile, spec);
  const run = cli(['eval', '--data', file, '--label', 'label', '--pred-col', 'pred', '--slices', specFile, '--format', 'json']);
  const found = JSON.parse(run.stdout).slices.finder.slices;
  assert.ok(found.length > 0, 'the finder finds the planted slice');
  assert.deepEqual(await page.getByTestId('found-rows-button').allTextContents(), found.map((f) => f.name));
  assert.equal(found[0].name, 'region=EU&device=mobile');
  await assertSliceRows(page, 'found-rows-button', found[0], file);
  await screenshot(page, 'cells-slice-rows', ['slices']);
  assert.deepEqual(problems, []);
});

test('Slices: the finder shows its progress in the worker and a second click cancels it', async () => {
  const { page, problems } = session;
  // 300,000 rows × 8 categorical columns of 16 values, 0/1 errors, no support floor
  // and a long top-K (little pruning): levels ≤ 3 take seconds in the worker.
  const n = 300_000;
  let seed = 11;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const lines = ['c1,c2,c3,c4,c5,c6,c7,c8,label,pred'];
  for (let i = 0; i < n; i++) {
    const cs = Array.from({ length: 8 }, () => `v${Math.floor(random() * 16)}`);
    const label = random() < 0.5 ? 1 : 0;
    lines.push(`${cs.join(',')},${label},${random() < 0.8 ? label : 1 - label}`);
  }
  const file = join(work, 'wide.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await page.getByTestId('file-input').setInputFiles(file);
  await page.getByTestId('dataset-row').filter({ hasText: 'wide.csv' }).waitFor({ timeout: 60_000 });
  await page.getByTestId('eval-dataset').selectOption('wide.csv');
  await page.getByTestId('eval-label').selectOption('label');
  await page.getByTestId('eval-source').selectOption('column:pred');
  await page.locator('[data-testid=cell-evaluate] details').evaluateAll((ds) => ds.forEach((d) => (d.open = true)));
  await page.getByTestId('eval-settings').fill('[bootstrap]\nreplicates = 20\n');
  await page.getByTestId('slices-spec').fill('[finder]\nmax_level = 3\nmin_support = 1\ntop_k = 1000\n');
  await page.getByTestId('run-slices').click();
  // Observe the finder's progress and click Run again in the same microtask
  // checkpoint as the DOM change that shows it, before the worker's next message (its
  // result) can be handled. Reading the state from the test and then clicking raced
  // the finder: when it finished in between, the click started a second run instead
  // of cancelling (the flaky failure), and a fast finder skipped the cancel path. The
  // finder always reports level 1 before its result, so the cancel is always tried.
  const seen = await page.evaluate(() => new Promise((resolve) => {
    const state = () => document.querySelector('[data-testid=state-slices]')?.textContent ?? '';
    let observer;
    const check = () => {
      const s = state();
      if (s.startsWith('running: slice finder')) {
        observer.disconnect();
        document.querySelector('[data-testid=run-slices]').click();
        resolve(s);
      } else if (/^(done|failed)/.test(s)) {
        observer.disconnect();
        resolve(s);
      }
    };
    observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    check();
  }));
  const why = seen.startsWith('failed') ? await textOf(page, 'error-slices') : '';
  console.log(`finder progress in the page: ${seen}`);
  assert.match(seen, /^running: slice finder: level \d of 3, \d+ of \d+ candidates \(\d+ in all\)/, `${seen} ${why}`);
  assert.match(await textOf(page, 'error-slices'), /^cancelled$/);
  assert.equal(await page.locator('main').getAttribute('aria-busy'), 'false');
  await page.screenshot({ path: join(ARTIFACTS, 'cells-finder-cancelled.png') });
  // The fresh worker holds the same files: the demo's test set runs again.
  await page.getByTestId('eval-settings').fill('');
  await page.getByTestId('eval-dataset').selectOption('test.csv');
  await page.getByTestId('eval-label').selectOption('label');
  await page.getByTestId('eval-source').selectOption('model:champion.onnx');
  await page.getByTestId('slices-spec').fill(SLICES);
  assert.match(await runCell(page, 'slices'), /^done/);
  assert.deepEqual(problems, []);
});

test('Gate: the checklist is lockstep gate\'s on the same files, with the Skew cell\'s report', async () => {
  const { page, problems } = session;
  const skewState = await runCell(page, 'skew');
  assert.match(skewState, /^done/, skewState.startsWith('failed') ? await textOf(page, 'error-skew') : skewState);
  const gateState = await runCell(page, 'gate');
  assert.match(gateState, /^done/, gateState.startsWith('failed') ? await textOf(page, 'error-gate') : gateState);
  await page.locator('[data-testid=cell-gate] details').evaluate((d) => (d.open = true));
  const config = join(work, 'gate.toml');
  writeFileSync(config, await page.getByTestId('gate-config').inputValue());
  const skew = join(work, 'skew.json');
  cli(['skew', '--log', join(DEMO, 'predictions-1.jsonl'), '--log', join(DEMO, 'predictions-2.jsonl'),
    '--pipeline', join(DEMO, 'pipeline.json'), '--model', join(DEMO, 'champion.onnx'), '--train', join(DEMO, 'train.csv'),
    '--no-ort', '--format', 'json', '-o', skew]);
  const out = join(work, 'gate');
  cli(['gate', '--config', config, '--data', join(DEMO, 'test.csv'), '--label', 'label', '--model', join(DEMO, 'champion.onnx'),
    '--pipeline', join(DEMO, 'pipeline.json'), '--skew', skew, '--out-dir', out]);
  const expected = JSON.parse(readFileSync(join(out, 'gate.json'), 'utf8'));
  const rows = await tableRows(page.getByTestId('gate-checks'));
  assert.deepEqual(rows.map((r) => [r[0], r[2].replace(' (missing)', ''), r[3]]),
    expected.checks.map((c) => [c.name, c.status.toUpperCase(), c.evidence]));
  assert.match(await textOf(page, 'gate-verdict'), new RegExp(`^${expected.verdict.toUpperCase()} — `));
  const got = JSON.parse(await downloaded(page, 'gate-download-json'));
  assert.deepEqual(got.checks, expected.checks);
  for (const key of ['model_sha256', 'pipeline_sha256', 'pipeline_file_sha256', 'data_sha256', 'gate_config_sha256', 'lockstep_version']) {
    assert.equal(got.provenance[key], expected.provenance[key], key);
  }
  assert.deepEqual(got.provenance.settings, expected.provenance.settings);
  const junit = await downloaded(page, 'gate-download-junit');
  assert.equal(junit, readFileSync(join(out, 'gate.junit.xml'), 'utf8'));
  // Without the skew check's input, the optional check warns and says it is missing.
  await page.getByTestId('gate-config').fill('[[check]]\nkind = "comparison"\nrequired = false\n');
  assert.match(await runCell(page, 'gate'), /^done/);
  const missing = await tableRows(page.getByTestId('gate-checks'));
  assert.equal(missing[0][2], 'WARN (missing)');
  assert.match(missing[0][3], /^missing input: /);
  await page.getByTestId('gate-config').fill(readFileSync(config, 'utf8'));
  assert.match(await runCell(page, 'gate'), /^done/);
  await screenshot(page, 'cells-desktop', ['gate']);
  assert.deepEqual(problems, []);
});

test('at 390 px the Slices and Gate cells do not grow the page sideways', async () => {
  const { page, problems } = session;
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide at 390 px`);
  await screenshot(page, 'cells-390', ['slices', 'gate']);
  assert.deepEqual(problems, []);
});
