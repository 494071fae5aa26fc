// End-to-end: the skew panel. A real `lockstep serve` log (tests/data/skew/log, made by
// scripts/fixtures/gen_skew_logs.sh) is dropped into the page with the serving pipeline
// and model; the page's checks must be the ones the native `lockstep skew` reports on the
// same files, run here. The log's rows come from the transforms fixtures' test split,
// which holds cities the training split never had: both must report that unseen-category
// skew. A tampered log must also fail in the page naming the feature. Any console error
// fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, startLockstep, textOf } from './harness.mjs';

const TRAIN = join(ROOT, 'tests/data/transforms/train.csv');
const PIPELINE = join(ROOT, 'tests/data/serving/pipeline.json');
const MODEL = join(ROOT, 'tests/data/serving/model.onnx');
const LOG = join(ROOT, 'tests/data/skew/log/predictions.jsonl');

let server;
let session;
const work = mkdtempSync(join(tmpdir(), 'lockstep-skew-e2e-'));

before(async () => {
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

/** `lockstep skew` on the same files, core engine only (the page has no ONNX Runtime). */
function cliReport(log) {
  const out = join(work, 'report.json');
  const run = spawnSync(
    BIN,
    ['skew', '--log', log, '--pipeline', PIPELINE, '--model', MODEL, '--train', TRAIN,
      '--no-ort', '--format', 'json', '-o', out],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return { status: run.status, report: JSON.parse(readFileSync(out, 'utf8')) };
}

async function shownChecks(page) {
  const table = page.getByTestId('skew-checks');
  await table.waitFor({ timeout: 30_000 });
  return table.evaluate((t) =>
    [...t.querySelectorAll('tbody tr')].map((r) =>
      [...r.querySelectorAll('td')].map((c) => c.textContent.trim()),
    ),
  );
}

async function setUp(page) {
  await page.goto(server.url);
  await page.getByTestId('file-input').setInputFiles(TRAIN);
  await page.getByTestId('dataset-summary').filter({ hasText: 'train.csv' }).waitFor();
  await page.getByTestId('pipeline-file').setInputFiles(PIPELINE);
  await page.getByTestId('pipeline-report').waitFor();
  await page.getByTestId('model-file').setInputFiles(MODEL);
  await page.getByTestId('model-info').waitFor();
}

test('a served log replayed in the page gives the checks `lockstep skew` gives', async () => {
  const { page, problems } = session;
  await setUp(page);
  await page.getByTestId('skew-logs').setInputFiles(LOG);
  const rows = await shownChecks(page);
  const { status, report } = cliReport(LOG);
  assert.equal(status, 1);
  assert.equal(report.rows, 150);
  assert.deepEqual(
    rows,
    report.checks.map((c) => [c.passed ? 'pass' : 'FAIL', c.group, c.subject, c.message]),
  );
  // Parity holds on every row; only the unseen cities are skew: against the training
  // data, and in the pipeline's vocabulary (alone and crossed with the device).
  assert.deepEqual(
    rows.filter((r) => r[0] === 'FAIL').map((r) => [r[1], r[2]]),
    [['vocabulary', 'city'], ['vocabulary', 'city_x_device'], ['distribution', 'city']],
  );
  assert.match(
    await textOf(page, 'skew-verdict'),
    /^lockstep skew: SKEW FOUND — 150 rows from 1 file\(s\), \d+ checks, 3 failing$/,
  );

  // The JSON download is the CLI's report but for the file names.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('skew-download-json').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'skew-report.json');
  const downloaded = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.deepEqual(downloaded.files, ['predictions.jsonl']);
  assert.deepEqual({ ...downloaded, files: [] }, { ...report, files: [] });

  assert.deepEqual(problems, []);
});

test('a tampered feature fails in the page, named; a broken log is an error, not a panic', async () => {
  const { page, problems } = session;
  await setUp(page);
  const pipeline = JSON.parse(readFileSync(PIPELINE, 'utf8'));
  const lines = readFileSync(LOG, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  lines[7].features[3] += 0.25;
  const tampered = join(work, 'tampered.jsonl');
  // JSON.stringify keeps every other value's shortest round-trip form, as serde_json does.
  writeFileSync(tampered, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  await page.getByTestId('skew-logs').setInputFiles(tampered);
  await page.getByTestId('skew-verdict').filter({ hasText: 'SKEW FOUND' }).waitFor();
  const rows = await shownChecks(page);
  const failing = rows.filter((r) => r[0] === 'FAIL');
  const { status, report } = cliReport(tampered);
  assert.equal(status, 1);
  assert.deepEqual(
    failing,
    report.checks.filter((c) => !c.passed).map((c) => ['FAIL', c.group, c.subject, c.message]),
  );
  assert.deepEqual(
    failing.map((r) => [r[1], r[2]]),
    [
      ['transform', pipeline.feature_names[3]],
      ['vocabulary', 'city'],
      ['vocabulary', 'city_x_device'],
      ['distribution', 'city'],
    ],
  );
  assert.ok(failing[0][3].includes(`${lines[7].request_id}#${lines[7].row}`), failing[0][3]);

  await page.getByTestId('skew-logs').setInputFiles({
    name: 'broken.jsonl',
    mimeType: 'application/json',
    buffer: Buffer.from('{"log_format": 1, "request_id": "x"}\n'),
  });
  assert.match(await textOf(page, 'skew-error'), /^broken\.jsonl:1: the record has no `pipeline_fingerprint`/);
  assert.deepEqual(problems, []);
});
