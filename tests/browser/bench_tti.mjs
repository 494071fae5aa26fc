// Time to interactive on loopback (issue 13): `lockstep demo` serves dist/ (gzip, as it
// sends the app); each run opens the page in a fresh browser context (an empty cache: a
// first visit) and records, from the navigation's start (performance.timeOrigin):
//   interactive  the notebook's controls are in the page (the app's wasm fetched,
//                compiled and mounted: a click is answered from here on);
//   first file   a 3-row CSV picked then is shown as a data set (the worker's copy of
//                the wasm loaded too, and it answered a command);
// plus the bytes the page transferred (over the wire, compressed) by then. Median of
// RUNS (default 7) after one untimed run. Not part of `npm test`: scripts/bench/tti.sh.
//
//     node tests/browser/bench_tti.mjs [RUNS]
import { chromium } from 'playwright-core';
import { CHROMIUM, startLockstep } from './harness.mjs';

const runs = Number(process.argv[2] ?? 7);
const server = await startLockstep(['demo', '--web-dir', 'dist']);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// `lockstep demo` writes the .gz files in the background at startup: let it finish.
await new Promise((done) => setTimeout(done, 3000));
const rows = [];
try {
  for (let run = 0; run <= runs; run += 1) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('[data-testid=file-input]')) {
          window.lockstepInteractive = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(server.url);
    await page.waitForFunction(() => window.lockstepInteractive !== undefined, null, { timeout: 30_000 });
    await page.getByTestId('file-input').setInputFiles({
      name: 'first.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('a,b\n1,2\n3,4\n5,6\n'),
    });
    await page.getByTestId('dataset-row').filter({ hasText: 'first.csv' }).waitFor({ timeout: 30_000 });
    const firstFile = await page.evaluate(() => performance.now());
    const { interactive, bytes } = await page.evaluate(() => ({
      interactive: window.lockstepInteractive,
      bytes: performance
        .getEntriesByType('navigation')
        .concat(performance.getEntriesByType('resource'))
        .reduce((sum, e) => sum + (e.transferSize ?? 0), 0),
    }));
    if (problems.length) throw new Error(problems.join('\n'));
    if (run > 0) rows.push({ interactive, firstFile, bytes });
    await context.close();
  }
  const ms = (x) => `${x.toFixed(0)} ms`;
  console.log(`time to interactive on loopback, ${runs} cold runs (median; min–max):`);
  for (const key of ['interactive', 'firstFile']) {
    const xs = rows.map((r) => r[key]);
    console.log(`  ${key === 'firstFile' ? 'first file  ' : 'interactive '} ${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`);
  }
  console.log(`  page transfer (the page's own requests, compressed): ${median(rows.map((r) => r.bytes))} bytes`);
} finally {
  await browser.close();
  await server.stop();
}
