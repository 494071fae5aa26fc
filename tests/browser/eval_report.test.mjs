// End-to-end: the Evaluate cell. Expected values never come from
// this file: each test runs the native CLI, `lockstep eval`, on the same file with the
// same settings (the CLI is the native build of the same core code, itself checked
// against scikit-learn by core/tests/eval_sklearn.rs and serve/tests/cli.rs) and
// compares what the page shows and lets you download with what the CLI printed.
// Any console error or failed request fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, labelledFixtureCsv, openBrowser, readJson, startLockstep, textOf } from './harness.mjs';

const DEMO_CSV = join(ROOT, 'www/demo/breast_cancer_eval.csv');
const EXAMPLE = join(ROOT, 'docs/examples/eval.toml');
// Lines that the demo's scores meet (the test checks that the CLI agrees: PASS).
const PASSING_CONTRACT = `optimizing = "roc_auc"
satisficing = ["roc_auc >= 0.95", "f1 >= 0.9", "ece_equal_mass <= 0.05"]
`;
const FORMATS = [
  ['json', 'eval-report.json'],
  ['md', 'eval-report.md'],
  ['html', 'eval-report.html'],
  ['junit', 'eval-junit.xml'],
];

let server;
let session;
const work = mkdtempSync(join(tmpdir(), 'lockstep-eval-e2e-'));
const contractPath = join(work, 'contract.toml');

before(async () => {
  writeFileSync(contractPath, PASSING_CONTRACT);
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

/** `lockstep eval <args> --format <format>`: its output and exit status. */
function cliEval(args, format) {
  const out = spawnSync(BIN, ['eval', ...args, '--format', format], { cwd: ROOT, encoding: 'utf8' });
  assert.ok(out.status === 0 || out.status === 1, `lockstep eval failed (${out.status}): ${out.stderr}`);
  return { text: out.stdout, status: out.status };
}

/** Header and body cells of the table `[data-testid=id]`, body rows keyed by their first cell. */
async function tableOf(page, id) {
  const table = page.getByTestId(id);
  await table.waitFor({ timeout: 15_000 });
  return table.evaluate((t) => ({
    headers: [...t.querySelectorAll('thead th')].map((c) => c.textContent.trim()),
    rows: [...t.querySelectorAll('tbody tr')].map((r) =>
      [...r.querySelectorAll('th, td')].map((c) => c.textContent.trim()),
    ),
  }));
}

// The page prints 4 decimals (Rust's rounding, which JavaScript's toFixed does not
// share on exact ties): shown values are compared within half a unit of the last digit.
const PRINTED = 5e-5;

function assertPrinted(text, value, what) {
  assert.match(text, /^-?\d+\.\d{4}$/, what);
  assert.ok(Math.abs(Number(text) - value) <= PRINTED, `${what}: shown ${text}, CLI ${value}`);
}

async function evaluateInPage(page, settings) {
  await page.locator('[data-testid=cell-evaluate] details').evaluate((d) => (d.open = true));
  await page.getByTestId('eval-settings').fill(settings);
  await page.getByTestId('run-evaluate').click();
  await page.waitForFunction(
    () => /^(done|failed)/.test(document.querySelector('[data-testid=state-evaluate]')?.textContent ?? ''),
    null,
    { timeout: 60_000 },
  );
}

/** Opens the page with the breast-cancer demo CSV picked. */
async function openWithDemoCsv(page) {
  await page.goto(server.url);
  await page.getByTestId('file-input').setInputFiles(DEMO_CSV);
  await page.getByTestId('dataset-row').filter({ hasText: 'breast_cancer_eval.csv' }).waitFor();
}

/** The verdict, the contract lines and every metric row shown equal the CLI's report. */
async function assertSummary(page, expected) {
  const verdict = await textOf(page, 'eval-verdict');
  if (expected.contract) {
    assert.equal(verdict, expected.contract.passed ? 'PASS' : 'FAIL');
    const contract = await tableOf(page, 'eval-contract');
    assert.deepEqual(
      contract.rows.map((r) => [r[0].split(' ')[0], r[2]]),
      expected.contract.lines.map((l) => [l.metric, l.passed ? 'pass' : 'fail']),
    );
    contract.rows.forEach((r, i) => assert.equal(r[3], expected.contract.lines[i].reason));
  } else {
    assert.match(verdict, /^No metric contract/);
  }
  const metrics = await tableOf(page, 'eval-metrics');
  assert.deepEqual(
    metrics.rows.map((r) => r[0].replace(/ [↑↓]$/, '')),
    expected.metrics.map((m) => m.name),
  );
  metrics.rows.forEach((r, i) => {
    const m = expected.metrics[i];
    if ('value' in m.estimate) assertPrinted(r[1], m.estimate.value, m.name);
    else assert.match(r[1], /^undefined \(/, m.name);
    if ('value' in m.lower && 'value' in m.upper) {
      const [lower, upper] = r[2].replace(/^\[|\]$/g, '').split(', ');
      assertPrinted(lower, m.lower.value, `${m.name} lower`);
      assertPrinted(upper, m.upper.value, `${m.name} upper`);
    } else {
      assert.equal(r[2], '–', `${m.name} interval`);
    }
  });
  // One column per baseline, in the report's order, named as the exports name them.
  assert.deepEqual(
    metrics.headers.slice(3),
    expected.baselines.map((b) => b.baseline.replaceAll('_', ' ').replace('label distribution', 'label-distribution')),
  );
}

/** Every download is byte for byte what the CLI prints for that format. */
async function assertDownloads(page, cliArgs) {
  for (const [format, file] of FORMATS) {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(`download-${format}`).click(),
    ]);
    assert.equal(download.suggestedFilename(), file);
    const text = readFileSync(await download.path(), 'utf8');
    assert.equal(text, cliEval(cliArgs, format).text, `${format} download`);
  }
}

test("the demo's report, with the example config, is the CLI's: verdict, metrics and every download", async () => {
  const { page, problems } = session;
  await openWithDemoCsv(page);
  await page.getByTestId('eval-source').selectOption('score:score');
  await evaluateInPage(page, readFileSync(EXAMPLE, 'utf8'));
  await page.getByTestId('eval-report').waitFor({ timeout: 30_000 });

  const args = ['--data', DEMO_CSV, '--label', 'malignant', '--score-col', 'score', '--config', EXAMPLE];
  const cli = cliEval(args, 'json');
  const expected = JSON.parse(cli.text);
  // The example's contract asks for latency and size, which a score column lacks.
  assert.equal(cli.status, 1);
  assert.equal(expected.contract.passed, false);
  await assertSummary(page, expected);
  // The line saying what was evaluated is the Markdown report's, without its code marks.
  assert.equal(
    (await textOf(page, 'eval-summary')).split(' — ')[0],
    cliEval(args, 'md').text.split('\n')[2].replaceAll('`', ''),
  );
  await assertDownloads(page, args);

  // The ROC and PR curves are drawn inline, as the HTML export draws them.
  const html = cliEval(args, 'html').text;
  const svgs = await page.locator('[data-testid=eval-plots] svg').evaluateAll((s) => s.map((e) => e.getAttribute('aria-label')));
  assert.deepEqual(svgs, ['ROC', 'Precision–recall']);
  assert.ok(html.includes('aria-label="ROC"'));
  assert.deepEqual(problems, []);
});

test('a bare contract that holds gives PASS, as `lockstep eval --contract` does', async () => {
  const { page, problems } = session;
  await evaluateInPage(page, PASSING_CONTRACT);
  const args = ['--data', DEMO_CSV, '--label', 'malignant', '--score-col', 'score', '--contract', contractPath];
  const cli = cliEval(args, 'json');
  assert.equal(cli.status, 0);
  const expected = JSON.parse(cli.text);
  await page.getByTestId('eval-verdict').filter({ hasText: 'PASS' }).waitFor();
  await assertSummary(page, expected);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-junit').click()]);
  assert.equal(readFileSync(await download.path(), 'utf8'), cliEval(args, 'junit').text);

  // The prediction column, no settings: no contract, the hard predictions' metrics.
  await page.getByTestId('eval-source').selectOption('column:predicted');
  await evaluateInPage(page, '');
  await page.getByTestId('eval-verdict').filter({ hasText: 'No metric contract' }).waitFor();
  const labels = JSON.parse(cliEval(['--data', DEMO_CSV, '--label', 'malignant', '--pred-col', 'predicted'], 'json').text);
  await assertSummary(page, labels);
  assert.deepEqual(problems, []);
});

test('bad settings show the core error, never a panic', async () => {
  const { page, problems } = session;
  await evaluateInPage(page, '[bootstrap]\nreplicates = "many"\n');
  assert.match(await textOf(page, 'error-evaluate'), /^invalid settings: .*bootstrap\.replicates/s);
  assert.equal(await page.getByTestId('eval-report').count(), 0);
  await evaluateInPage(page, 'optimizing = "roc_auc"\nsatisficing = ["acuracy >= 0.9"]\n');
  assert.match(await textOf(page, 'error-evaluate'), /acuracy.*accuracy, balanced_accuracy/s);
  await evaluateInPage(page, '[baselines]\nheuristic = "no_such_column > 1"\n');
  assert.match(await textOf(page, 'error-evaluate'), /^cannot evaluate: heuristic baseline `no_such_column > 1`: position 1: no column named `no_such_column`/);
  assert.deepEqual(problems, []);
});

test('the loaded model is run and evaluated as `lockstep eval --model` does', async () => {
  const { page, problems } = session;
  const name = 'logreg_binary_breast_cancer';
  const csvPath = join(work, `${name}.csv`);
  writeFileSync(csvPath, labelledFixtureCsv(readJson(`tests/data/onnx/${name}.json`)));
  const modelPath = join(ROOT, `tests/data/onnx/${name}.onnx`);
  await page.goto(server.url);
  await page.getByTestId('file-input').setInputFiles([csvPath, modelPath]);
  await page.getByTestId('dataset-row').filter({ hasText: `${name}.csv` }).waitFor();
  await page.getByTestId('model-item').waitFor();
  await page.getByTestId('eval-label').selectOption('y');
  await page.getByTestId('eval-source').selectOption(`model:${name}.onnx`);
  await evaluateInPage(page, PASSING_CONTRACT);
  await page.getByTestId('eval-report').waitFor({ timeout: 30_000 });

  const args = ['--data', csvPath, '--label', 'y', '--model', modelPath];
  const expected = JSON.parse(cliEval([...args, '--contract', contractPath], 'json').text);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
  const got = JSON.parse(readFileSync(await download.path(), 'utf8'));
  // The latency is measured on each side; everything else is the same evaluation.
  assert.ok(got.facts.latency_ms_per_row > 0);
  for (const report of [got, expected]) delete report.facts.latency_ms_per_row;
  assert.deepEqual(got, expected);
  assert.deepEqual(got.inputs.prediction_columns, ['probabilities_1']);
  assert.equal(got.fingerprints.model_sha256, expected.fingerprints.model_sha256);
  await assertSummary(page, expected);
  assert.deepEqual(problems, []);
});
