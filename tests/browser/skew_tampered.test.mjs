// End-to-end: the Skew cell on a tampered serving log (the check the page had before
// the notebook, restored). The demo's two `lockstep serve` logs plus a copy of the
// first with one logged feature changed are replayed in the page through the champion;
// the failing checks are `lockstep skew`'s on the same files (core engine), the
// tampered feature is named with the request id and row, and a log record with fields
// missing is a named error in the cell, not a panic. Any console error fails the test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, startLockstep, textOf } from './harness.mjs';

const DEMO = join(ROOT, 'www/demo/notebook');
let server;
let session;
const work = mkdtempSync(join(tmpdir(), 'lockstep-skew-tampered-'));

before(async () => {
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

async function runSkew(page) {
  await page.getByTestId('run-skew').click();
  await page.waitForFunction(
    () => /^(done|failed)/.test(document.querySelector('[data-testid=state-skew]')?.textContent ?? ''),
    null,
    { timeout: 60_000 },
  );
  return textOf(page, 'state-skew');
}

test('a tampered serving log fails in the Skew cell, naming the feature, as `lockstep skew` does', async () => {
  const { page, problems } = session;
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  await page.getByTestId('dataset-row').nth(4).waitFor({ timeout: 30_000 });
  const pipeline = JSON.parse(readFileSync(join(DEMO, 'pipeline.json'), 'utf8'));
  const log = join(DEMO, 'predictions-1.jsonl');
  const lines = readFileSync(log, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  lines[7].features[3] += 0.25;
  const tampered = join(work, 'tampered-predictions.jsonl');
  // JSON.stringify keeps every other value's shortest round-trip form, as serde_json does.
  writeFileSync(tampered, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  await page.getByTestId('file-input').setInputFiles(tampered);
  await page.getByTestId('dataset-row').filter({ hasText: 'tampered-predictions.jsonl' }).waitFor();
  assert.match(await runSkew(page), /^done/);
  await page.getByTestId('skew-verdict').filter({ hasText: 'SKEW FOUND' }).waitFor();
  const rows = await page.getByTestId('skew-checks').evaluate((t) =>
    [...t.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent.trim())),
  );
  const out = join(work, 'skew.json');
  const run = spawnSync(
    BIN,
    ['skew', '--log', log, '--log', join(DEMO, 'predictions-2.jsonl'), '--log', tampered,
      '--pipeline', join(DEMO, 'pipeline.json'), '--model', join(DEMO, 'champion.onnx'),
      '--train', join(DEMO, 'train.csv'), '--no-ort', '--format', 'json', '-o', out],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(run.status, 1, run.stderr);
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const failing = rows.filter((r) => r[0] === 'FAIL');
  assert.deepEqual(
    failing,
    report.checks.filter((c) => !c.passed).map((c) => ['FAIL', c.group, c.subject, c.message]),
  );
  const transform = failing.filter((r) => r[1] === 'transform');
  assert.deepEqual(transform.map((r) => r[2]), [pipeline.feature_names[3]]);
  assert.ok(transform[0][3].includes(`${lines[7].request_id}#${lines[7].row}`), transform[0][3]);

  // A record cut from its request: a named error in the cell.
  await page.getByTestId('file-input').setInputFiles({
    name: 'broken-predictions.jsonl',
    mimeType: 'application/json',
    buffer: Buffer.from('{"log_format": 1, "request_id": "x"}\n'),
  });
  await page.getByTestId('dataset-row').filter({ hasText: 'broken-predictions.jsonl' }).waitFor();
  assert.match(await runSkew(page), /^failed/);
  assert.match(await textOf(page, 'error-skew'), /^broken-predictions\.jsonl:1: row 0 of request `x` comes without the request's first record/);
  await page.getByTestId('cell-skew').screenshot({ path: join(ROOT, 'tests/browser/artifacts/skew-tampered.png') });
  assert.deepEqual(problems, []);
});
