// Shared set-up for the browser tests: Debian's chromium through playwright-core, a fresh temp
// profile per launch, and the lab's own static server on a free localhost port.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { createServer } from '../../web/serve.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = path.join(repoRoot, 'test-output', 'screenshots');
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const wasmBuilt = fs.existsSync(path.join(repoRoot, 'web', 'generated', 'bnlab.mjs'));

export async function startServer(port = 0) {  // 0: a free port
  const server = createServer({ quiet: true });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => closeServer(server) };
}

// Stops a test's HTTP server at once. server.close() alone waits until every connection has ended,
// and a socket Chromium opened but sent no request on is not idle to Node, so it is not closed: the
// wait then lasted until Node's request timeout (about 100 s per host page in CI, three times).
export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function launch(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlab-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A page that records console errors, page errors, CSP violations and off-host requests.
export async function openPage(context, url, serverUrl) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (request) => {
    const u = request.url();
    if (!u.startsWith(serverUrl) && !u.startsWith('blob:') && !u.startsWith('data:')) problems.push(`third-party request: ${u}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' || /could not load/.test(document.getElementById('status')?.textContent || ''), null, { timeout: 30000 });
  return { page, problems };
}

// Records a page's errors (page errors, console errors) and every request it makes; from its next
// navigation on, each of its frames collects its CSP violations in window.__violations.
export async function watchPage(page) {
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { problems, requests };
}

// The lab in a host page's <iframe id="lab">, once it is ready: its locator and its Frame (the one
// whose URL passes isLab).
export async function labInFrame(page, isLab) {
  const frame = page.frameLocator('#lab');
  await frame.locator('html[data-ready="true"]').waitFor({ timeout: 60000 });
  return { frame, labFrame: page.frames().find((f) => isLab(f.url())) };
}

export function screenshotPath(name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  return path.join(screenshotDir, `${name}.png`);
}

// A test file's lab: one server and one browser, started before its tests and closed after them.
export function useLab() {
  const lab = { server: null, browser: null };
  test.before(async () => {
    assert.ok(wasmBuilt, 'web/generated/bnlab.mjs is missing: build the wasm first (npm run build)');
    lab.server = await startServer();
    lab.browser = await launch();
  });
  test.after(async () => {
    await lab.browser?.close();
    await lab.server?.close();
  });
  return lab;
}

// Commits a prediction in the chapter `sel` (predict=ask): the first choice, or the middle of a
// number's range (what story.test.js's frame-height check and scripts/embed-heights.mjs measure).
export async function commitMiddleAnswer(page, sel) {
  await page.evaluate((selector) => {
    const section = document.querySelector(selector);
    const radio = section.querySelector('.predict input[type="radio"]');
    if (radio) radio.checked = true;
    const field = section.querySelector('.predict input[inputmode="decimal"]');
    if (field) {
      const { min, max } = window.bnlab.panels.get(section.dataset.chapter).chapter.predict.range;
      field.value = String((min + max) / 2);
      field.dispatchEvent(new Event('input', { bubbles: true }));
    }
    section.querySelector('[data-action="predict"]').click();
  }, sel);
}
