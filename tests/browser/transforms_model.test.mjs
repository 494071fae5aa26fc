// End-to-end: the transforms and model panels. Expected values never come from this
// file: the fitted pipeline and the feature matrix come from the native `lockstep fit`
// / `lockstep transform` run here on the same spec and CSV, the predictions from ONNX
// Runtime through the fixtures in tests/data/onnx/ (scripts/fixtures/gen_onnx_models.py).
// Any console error fails the test.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, ROOT, openBrowser, readJson, startLockstep, textOf } from './harness.mjs';

const DEMO_CSV = join(ROOT, 'www/demo/breast_cancer_eval.csv');
const SPEC = `# Over the demo's columns.
[[columns]]
name = "mean_radius"
steps = [{ step = "standardize" }]

[[columns]]
name = "mean_texture"
steps = [{ step = "min_max" }]

[[columns]]
name = "worst_concavity"
steps = [{ step = "bucketize", quantiles = 4 }]

[[columns]]
name = "predicted"
steps = [{ step = "one_hot" }]
`;
// Predictions are compared with ONNX Runtime's within this (labels exactly).
const TOLERANCE = 1e-6;

let server;
let session;
const work = mkdtempSync(join(tmpdir(), 'lockstep-e2e-'));

before(async () => {
  server = await startLockstep(['demo', '--web-dir', 'dist']);
  session = await openBrowser();
});

after(async () => {
  await session?.browser.close();
  await server?.stop();
});

/** Runs the native CLI; its output is the expected value. */
function lockstep(...args) {
  execFileSync(BIN, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A simple CSV reader for the CLI's output (no quoted fields in these files). */
function readCsv(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { headers: header.split(','), rows: lines.map((l) => l.split(',')) };
}

/** Header and body cells of the table `[data-testid=id]`. */
async function tableOf(page, id) {
  const table = page.getByTestId(id);
  await table.waitFor({ timeout: 15_000 });
  return table.evaluate((t) => ({
    headers: [...t.querySelectorAll('thead th')].map((c) => c.textContent.trim()),
    rows: [...t.querySelectorAll('tbody tr')].map((r) =>
      [...r.querySelectorAll('td')].map((c) => c.textContent.trim()),
    ),
  }));
}

async function loadCsv(page, name, text) {
  await page.getByTestId('file-input').setInputFiles({
    name,
    mimeType: 'text/csv',
    buffer: Buffer.from(text),
  });
  await page.getByTestId('dataset-summary').filter({ hasText: name }).waitFor();
}

async function fitInPage(page, spec) {
  await page.getByTestId('spec-text').fill(spec);
  await page.getByTestId('fit').click();
}

test('a spec fitted in the page is the pipeline `lockstep fit` makes', async () => {
  const { page, problems } = session;
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  await fitInPage(page, SPEC);
  const shown = await textOf(page, 'pipeline-fingerprint');

  const specPath = join(work, 'spec.toml');
  const fittedPath = join(work, 'pipeline.json');
  writeFileSync(specPath, SPEC);
  lockstep('fit', '--spec', specPath, '--train', DEMO_CSV, '-o', fittedPath);
  const fittedText = readFileSync(fittedPath, 'utf8');
  const fitted = JSON.parse(fittedText);
  assert.match(fitted.fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(shown, fitted.fingerprint);

  // Output features, in order.
  const features = await page
    .getByTestId('pipeline-features')
    .locator('li')
    .allTextContents();
  assert.deepEqual(features, fitted.feature_names);
  // The input schema lists every column read, with its type.
  const schema = await tableOf(page, 'pipeline-schema');
  assert.deepEqual(
    schema.rows.map((r) => [r[0], r[1]]),
    fitted.input_schema.map((c) => [c.name, c.data_type]),
  );
  // Every fitted step has a row, and the quantile edges are the CLI's.
  const steps = await tableOf(page, 'pipeline-steps');
  assert.deepEqual(
    steps.rows.map((r) => [r[0], r[2]]),
    fitted.blocks.flatMap((b) => b.steps.map((s) => [b.name, s.step.replace(/_(number|category)$/, '')])),
  );
  const bucketize = fitted.blocks.flatMap((b) => b.steps).find((s) => s.step === 'bucketize');
  const bucketRow = steps.rows.find((r) => r[2] === 'bucketize');
  assert.ok(
    bucketRow[3].includes(bucketize.inner_edges.map(String).join(', ')),
    `bucketize row ${bucketRow[3]} lacks the edges ${bucketize.inner_edges}`,
  );

  // The first rows of the feature matrix equal `lockstep transform`'s, as f32.
  const featuresPath = join(work, 'features.csv');
  lockstep('transform', '--pipeline', fittedPath, '--input', DEMO_CSV, '-o', featuresPath);
  const expected = readCsv(featuresPath);
  const matrix = await tableOf(page, 'feature-matrix');
  assert.deepEqual(matrix.headers, expected.headers);
  assert.equal(matrix.rows.length, 10);
  matrix.rows.forEach((row, r) => {
    assert.deepEqual(
      row.map((v) => Math.fround(Number(v))),
      expected.rows[r].map((v) => Math.fround(Number(v))),
      `feature row ${r}`,
    );
  });
  assert.match(await textOf(page, 'feature-summary'), new RegExp(`^${expected.rows.length} rows × ${expected.headers.length} features`));
  await page.getByTestId('oov-none').waitFor();

  // The download is the very file the CLI wrote.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-pipeline').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'pipeline.json');
  assert.equal(readFileSync(await download.path(), 'utf8'), fittedText);
  assert.deepEqual(problems, []);
});

test('a fitted pipeline.json loads, and unseen categories are counted', async () => {
  const { page, problems } = session;
  const fittedPath = join(work, 'pipeline.json');
  const fitted = JSON.parse(readFileSync(fittedPath, 'utf8'));
  await page.getByTestId('pipeline-file').setInputFiles(fittedPath);
  await page.getByTestId('pipeline-report').filter({ hasText: 'loaded from pipeline.json' }).waitFor();
  assert.equal(await textOf(page, 'pipeline-fingerprint'), fitted.fingerprint);
  assert.equal(await page.getByTestId('download-pipeline').count(), 0);

  // Evaluation data with a `predicted` class the training data never had.
  const demo = readFileSync(DEMO_CSV, 'utf8').trimEnd().split('\n');
  const column = demo[0].split(',').indexOf('predicted');
  const edited = demo.map((line, i) => {
    if (i === 0 || i > 3) return line;
    const fields = line.split(',');
    fields[column] = '7';
    return fields.join(',');
  });
  const csvPath = join(work, 'unseen.csv');
  writeFileSync(csvPath, `${edited.join('\n')}\n`);
  await loadCsv(page, 'unseen.csv', readFileSync(csvPath, 'utf8'));
  // The CLI reports the same counts on stderr.
  const cli = spawnSync(
    BIN,
    ['transform', '--pipeline', fittedPath, '--input', csvPath, '-o', join(work, 'unseen_features.csv')],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(cli.status, 0, cli.stderr);
  const note = /column `predicted`: (\d+) rows held (\d+) categories unseen in training \(e\.g\. ([^)]*)\)/.exec(cli.stderr);
  assert.ok(note, `no OOV note in: ${cli.stderr}`);
  const oov = await tableOf(page, 'oov');
  assert.deepEqual(oov.rows, [['predicted', note[1], note[2], note[3]]]);
  assert.deepEqual(problems, []);
});

test('a bad spec shows the core error, not a panic', async () => {
  const { page, problems } = session;
  await page.goto(server.url);
  await page.getByTestId('load-demo').click();
  await fitInPage(page, '[[columns]]\nname = "no_such_column"\nsteps = [{ step = "standardize" }]\n');
  assert.match(await textOf(page, 'transforms-error'), /no_such_column/);
  await fitInPage(page, '[[columns]\nname = ');
  assert.match(await textOf(page, 'transforms-error'), /^invalid spec:/);
  assert.equal(await page.getByTestId('pipeline-report').count(), 0);
  assert.deepEqual(problems, []);
});

/** The fixture's single `[rows, k]` input as CSV text with columns f0…; NaN as an empty field. */
function fixtureCsv(fixture) {
  const [input] = fixture.inputs;
  const [, width] = input.shape;
  const lines = [Array.from({ length: width }, (_, j) => `f${j}`).join(',')];
  for (let r = 0; r < input.shape[0]; r++) {
    lines.push(input.data.slice(r * width, (r + 1) * width).map((v) => (v === null ? '' : String(v))).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Asserts the shown predictions are ONNX Runtime's: labels equal, numbers within TOLERANCE. */
async function assertPredictions(page, fixture) {
  const rows = fixture.inputs[0].shape[0];
  assert.equal(await textOf(page, 'prediction-rows'), String(rows));
  assert.match(await textOf(page, 'prediction-time'), /^\d+(\.\d)?$/);
  const shown = await tableOf(page, 'predictions');
  assert.equal(shown.rows.length, Math.min(10, rows));
  let column = 0;
  for (const output of fixture.outputs) {
    const width = output.shape[1] ?? 1;
    for (let j = 0; j < width; j++) {
      const header = width === 1 ? output.name : `${output.name}_${j}`;
      assert.equal(shown.headers[column + j], header);
      shown.rows.forEach((row, r) => {
        const expected = output.data[r * width + j];
        const value = row[column + j];
        if (output.dtype === 'int64' || output.dtype === 'string') {
          assert.equal(value, String(expected), `${fixture.model} ${header} row ${r}`);
        } else {
          assert.ok(
            Math.abs(Number(value) - expected) <= TOLERANCE,
            `${fixture.model} ${header} row ${r}: shown ${value}, ONNX Runtime ${expected}`,
          );
        }
      });
    }
    column += width;
  }
  assert.equal(column, shown.headers.length);
}

for (const name of ['logreg_binary_breast_cancer', 'rf_multiclass_iris', 'xgb_multiclass_iris']) {
  test(`${name}: the page's predictions are ONNX Runtime's`, async () => {
    const { page, problems } = session;
    const fixture = readJson(`tests/data/onnx/${name}.json`);
    await page.goto(server.url);
    await loadCsv(page, `${name}.csv`, fixtureCsv(fixture));
    await page.getByTestId('model-file').setInputFiles(join(ROOT, `tests/data/onnx/${name}.onnx`));
    await page.getByTestId('model-info').filter({ hasText: `${name}.onnx` }).waitFor();

    const inputs = await tableOf(page, 'model-inputs');
    assert.deepEqual(inputs.rows.map((r) => r[0]), fixture.inputs.map((i) => i.name));
    const outputs = await tableOf(page, 'model-outputs');
    assert.deepEqual(outputs.rows.map((r) => r[0]), fixture.outputs.map((o) => o.name));
    const ops = await tableOf(page, 'model-ops');
    assert.deepEqual(ops.rows.map((r) => `${r[1]}:${r[0]}`).sort(), [...fixture.ops].sort());
    assert.notEqual(await textOf(page, 'model-opsets'), '');
    assert.equal(await textOf(page, 'model-input-source'), "Input: the table's columns.");
    await assertPredictions(page, fixture);
    assert.deepEqual(problems, []);
  });
}

test('through a fitted pipeline the model gets the features, and a width mismatch is a message', async () => {
  const { page, problems } = session;
  const name = 'logreg_binary_breast_cancer';
  const fixture = readJson(`tests/data/onnx/${name}.json`);
  // A fresh page: this fixture's data and model, no pipeline yet.
  await page.goto(server.url);
  await loadCsv(page, `${name}.csv`, fixtureCsv(fixture));
  await page.getByTestId('model-file').setInputFiles(join(ROOT, `tests/data/onnx/${name}.onnx`));
  await page.getByTestId('model-info').waitFor();

  // Passthrough of every column, in order: the model sees exactly the table.
  const width = fixture.inputs[0].shape[1];
  const all = Array.from({ length: width }, (_, j) => `[[columns]]\nname = "f${j}"\n`).join('\n');
  await fitInPage(page, all);
  await page.getByTestId('pipeline-fingerprint').waitFor();
  assert.match(await textOf(page, 'model-input-source'), new RegExp(`^Input: the ${width} features of pipeline`));
  await assertPredictions(page, fixture);

  // Two features for a model that takes 30.
  await fitInPage(page, '[[columns]]\nname = "f0"\n\n[[columns]]\nname = "f1"\n');
  await page.getByTestId('model-input-source').filter({ hasText: 'the 2 features' }).waitFor();
  assert.match(await textOf(page, 'prediction-error'), /^the model failed:/);
  await page.getByTestId('pipeline-clear').click();
  await assertPredictions(page, fixture);
  assert.deepEqual(problems, []);
});

test('a file that is not an ONNX model shows an error message', async () => {
  const { page, problems } = session;
  await page.getByTestId('model-file').setInputFiles({
    name: 'garbage.onnx',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x42, 0x99, 0x01, 0x02, 0x03]),
  });
  assert.match(await textOf(page, 'model-error'), /^garbage\.onnx: cannot load the model: /);
  assert.equal(await page.getByTestId('model-info').count(), 0);
  assert.equal(await page.getByTestId('predictions').count(), 0);
  assert.deepEqual(problems, []);
});
