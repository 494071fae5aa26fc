// End-to-end: Parquet and Arrow IPC files in the page. Their readers are a second wasm
// module (frontend/columnar), fetched by the worker the first time such a file is opened
// and never before (the app's bundle does not carry them: scripts/build-web.sh). A
// Parquet file and its CSV twin show the same shape and columns; a Feather file loads
// through the same module, fetched once; a malformed Parquet file that stops the decoder
// (a trap in wasm) and a ZSTD Arrow file are named errors, and the worker goes on.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, openBrowser, startLockstep } from './harness.mjs';

let server;
let session;
const requests = [];
const columnarFetches = () => requests.filter((u) => /lockstep-columnar-[0-9a-f]{16}\.wasm$/.test(u));

before(async () => {
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
  // Requests from the worker too (Playwright reports them on the context).
  session.page.context().on('request', (r) => requests.push(r.url()));
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

async function add(page, relative) {
  await page.getByTestId('file-input').setInputFiles(join(ROOT, relative));
}

/** The dataset row of `name`: [shape, column names shown by the data cell]. */
async function shape(page, name) {
  const row = page.getByTestId('dataset-row').filter({ hasText: name });
  await row.waitFor({ timeout: 30_000 });
  return (await row.getByTestId('dataset-size').textContent()).trim();
}

test('a Parquet file loads through the columnar module, fetched only then, as its CSV twin does', async () => {
  const { page, problems } = session;
  await page.goto(server.url);
  await page.getByTestId('file-input').waitFor();
  await add(page, 'tests/data/transforms/test.csv');
  const csv = await shape(page, 'test.csv');
  assert.equal(columnarFetches().length, 0, 'the columnar module is not fetched for a CSV');
  await add(page, 'tests/data/transforms/test.parquet');
  assert.equal(await shape(page, 'test.parquet'), csv);
  assert.equal(columnarFetches().length, 1, requests.join('\n'));
  // The file's fingerprint, hashed by the worker slice by slice (the file is not kept).
  const sha256 = createHash('sha256').update(readFileSync(join(ROOT, 'tests/data/transforms/test.parquet'))).digest('hex');
  const shown = await page.getByTestId('dataset-row').filter({ hasText: 'test.parquet' }).locator('code').getAttribute('title');
  assert.equal(shown, sha256);
  // The Evaluate cell offers the Parquet file's columns, as the CSV's.
  await page.getByTestId('eval-dataset').selectOption('test.parquet');
  const parquetLabels = await page.getByTestId('eval-label').locator('option').allTextContents();
  await page.getByTestId('eval-dataset').selectOption('test.csv');
  const csvLabels = await page.getByTestId('eval-label').locator('option').allTextContents();
  assert.deepEqual(parquetLabels, csvLabels);
  assert.deepEqual(problems, []);
});

test('a Feather file loads through the same module, compiled once', async () => {
  const { page, problems } = session;
  await add(page, 'tests/data/arrow/train_lz4.feather');
  assert.match(await shape(page, 'train_lz4.feather'), /^[1-9]\d* rows × [1-9]\d* columns$/);
  assert.equal(columnarFetches().length, 1, requests.join('\n'));
  assert.deepEqual(problems, []);
});

test('a malformed Parquet file and a ZSTD Arrow file are named errors, and the worker goes on', async () => {
  const { page } = session;
  await add(page, 'tests/data/fuzz/table_parquet-decoder-panic.parquet');
  const error = page.getByTestId('load-error');
  await error.waitFor({ timeout: 30_000 });
  assert.match(await error.textContent(), /table_parquet-decoder-panic\.parquet: cannot read the Parquet input/);
  await add(page, 'tests/data/arrow/train_zstd.arrow');
  await page.waitForFunction(
    () => /train_zstd\.arrow/.test(document.querySelector('[data-testid=load-error]')?.textContent ?? ''),
    null,
    { timeout: 30_000 },
  );
  assert.match(await error.textContent(), /train_zstd\.arrow: cannot read the Arrow IPC .*ZSTD/i);
  // The worker still reads files.
  await page.getByTestId('file-input').setInputFiles({
    name: 'after.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('a,b\n1,2\n3,4\n'),
  });
  assert.equal(await shape(page, 'after.csv'), '2 rows × 2 columns');
});
