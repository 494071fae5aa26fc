// Shared set-up for the browser tests: start the real `lockstep` binary on a free
// loopback port, and a headless Debian chromium (never a downloaded browser) that
// records every console error, uncaught exception and failed request.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The binary `cargo build -p lockstep-serve` made (test.sh builds it first), honouring
// CARGO_TARGET_DIR (relative to the repository root, as cargo reads it there).
export const BIN =
  process.env.LOCKSTEP_BIN ??
  join(resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target'), 'debug/lockstep');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function readJson(relative) {
  return JSON.parse(readFileSync(join(ROOT, relative), 'utf8'));
}

/** An ONNX fixture's single `[rows, k]` input as CSV columns f0…, its first output (ONNX
 * Runtime's labels or predictions) as `y`. */
export function labelledFixtureCsv(fixture) {
  const [input] = fixture.inputs;
  const [rows, width] = input.shape;
  const labels = fixture.outputs[0].data;
  const lines = [[...Array.from({ length: width }, (_, j) => `f${j}`), 'y'].join(',')];
  for (let r = 0; r < rows; r++) {
    lines.push([...input.data.slice(r * width, (r + 1) * width).map(String), String(labels[r])].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Starts `lockstep <args> --addr 127.0.0.1:0` and resolves with its URL once it listens. */
export function startLockstep(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, [...args, '--addr', '127.0.0.1:0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lockstep did not report its address within 30 s; stderr:\n${stderr}`));
    }, 30_000);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      const match = /open (http:\/\/\S+)/.exec(String(chunk));
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          stop: () =>
            new Promise((done) => {
              child.once('exit', (code, signal) => done({ code, signal }));
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lockstep exited with ${code} before listening; stderr:\n${stderr}`));
    });
  });
}

/** A headless chromium page; `problems` collects console errors, page errors and failed requests. */
export async function openBrowser({ webgpu = false } = {}) {
  const args = [
    '--no-sandbox',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  return { browser, page, problems, userDataDir: mkdtempSync(join(tmpdir(), 'lockstep-chromium-')) };
}

/** The text of `[data-testid=id]`, waiting for it to appear. */
export async function textOf(page, id) {
  const locator = page.getByTestId(id);
  await locator.waitFor({ timeout: 15_000 });
  return (await locator.textContent()).trim();
}

/** Waits until the cell `kind` has finished (its state badge reads done or failed). */
export async function waitForCell(page, kind, timeout = 600_000) {
  await page.waitForFunction(
    (k) => /^(done|failed)/.test(document.querySelector(`[data-testid=state-${k}]`)?.textContent ?? ''),
    kind,
    { timeout, polling: 200 },
  );
}
