// The one-file lab (dist/bnlab-lab.html, scripts/build-single.mjs): opened from disk (file://) it
// trains a chapter in a classic Blob worker with no request anywhere and no CSP violation; served
// as an uploaded file into a sandboxed frame it does the same; its CSP allows only its own inline
// code. web/index.html opened from disk says what to do instead of hanging.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { closeServer, labInFrame, launch, repoRoot, screenshotPath, watchPage } from './browser.js';

const single = path.join(repoRoot, 'dist', 'bnlab-lab.html');
let browser;

test.before(async () => {
  assert.ok(fs.existsSync(single), 'dist/bnlab-lab.html is missing: run node scripts/build-single.mjs (bash scripts/build.sh wasm runs it)');
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
});

test('its CSP allows exactly its own inline scripts and style, by hash, and nothing from any origin', () => {
  const html = fs.readFileSync(single, 'utf8');
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/)[1];
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /'self'|'unsafe-inline'|'unsafe-eval'|https?:|\*/);
  const executed = [...html.matchAll(/<script(?: id="[\w-]+")?>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(executed.length, 2);
  const hashes = [...csp.match(/script-src ([^;]+)/)[1].matchAll(/'sha256-([^']+)'/g)].map((m) => m[1]);
  assert.equal(hashes.length, 2);
  assert.doesNotMatch(html, /<link [^>]*href=|<script [^>]*src=/);
});

test('double-clicked from disk (file://) it trains a chapter in a worker, asking nothing of any server', async () => {
  const page = await browser.context.newPage();
  const { problems, requests } = await watchPage(page);
  await page.goto(`${pathToFileURL(single).href}#noise`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  assert.equal(await page.getAttribute('html', 'data-engine'), 'blob-worker');
  await page.click('section.chapter:not([hidden]) [data-action="run"]');
  await page.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'done', null, { timeout: 180000 });
  assert.match(await page.textContent('section.chapter:not([hidden]) .takeaway'), /\d/);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('blob:') && !u.startsWith('data:')), []);
  assert.deepEqual(requests.filter((u) => u.startsWith('file://')).map((u) => u.split('#')[0]), [pathToFileURL(single).href]);
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path: screenshotPath('single-file-375') });
  assert.deepEqual(problems, []);
  await page.close();
});

test('uploaded as a file and shown in a sandboxed frame (allow-scripts only), it trains in a worker', async () => {
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/lab.html')) res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(fs.readFileSync(single));
    else res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><html lang="en"><head><link rel="icon" href="data:,"><title>LMS</title></head><body><iframe id="lab" title="BN Lab" sandbox="allow-scripts" width="900" height="700" src="/lab.html#noise"></iframe></body></html>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const page = await browser.context.newPage();
    const { problems } = await watchPage(page);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const { labFrame } = await labInFrame(page, (url) => url.includes('/lab.html'));
    assert.equal(await labFrame.evaluate(() => document.documentElement.dataset.engine), 'blob-worker');
    await labFrame.click('section.chapter:not([hidden]) [data-action="run"]');
    await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'done', null, { timeout: 180000 });
    assert.deepEqual(await labFrame.evaluate(() => window.__violations), []);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await closeServer(server);
  }
});

test('web/index.html opened from disk says what to do instead of hanging', async () => {
  const page = await browser.context.newPage();
  await page.goto(pathToFileURL(path.join(repoRoot, 'web', 'index.html')).href);
  await page.waitForTimeout(2500);
  assert.ok(await page.isVisible('.boot-note'));
  assert.match(await page.textContent('.boot-note'), /file:\/\/.*bnlab-lab\.html/s);
  assert.equal(await page.textContent('#status'), '');
  await page.close();
});
