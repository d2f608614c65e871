// The lab in a course page, in headless Chromium with two local origins (the lab on 127.0.0.1, the
// course page on localhost, each its own port): a sandboxed cross-origin frame trains in a worker,
// speaks protocol v1 (ready, resize both ways, progress, result), obeys play/pause/resume/load
// from its parent only, never moves the host's focus or scroll, and raises no CSP violation.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { closeServer, labInFrame, launch, startServer, wasmBuilt, watchPage } from './browser.js';

let lab;
let host;
let hostUrl;
let browser;
const pages = new Map();

function hostPage(src, { extra = '' } = {}) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Course page</title></head><body>
<h1>Week 5: batch normalization</h1><label>Notes <input id="notes"></label>
<div style="height:300px"></div>
<iframe id="lab" title="BN Lab" sandbox="allow-scripts" width="900" height="600" src="${src}"></iframe>
${extra}
<div style="height:2000px"></div></body></html>`;
}

test.before(async () => {
  assert.ok(wasmBuilt, 'web/generated/bnlab.mjs is missing: build the wasm first (npm run build)');
  lab = await startServer();
  host = http.createServer((req, res) => {
    const body = pages.get(new URL(req.url, 'http://x').pathname);
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' }).end(body || 'not found');
  });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://localhost:${host.address().port}`;
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await lab?.close();
  if (host) await closeServer(host);
});

// Opens a host page; records the lab's messages, CSP violations in every frame and requests.
async function openHost(pathname, html) {
  pages.set(pathname, html);
  const page = await browser.context.newPage();
  const { problems, requests } = await watchPage(page);
  await page.addInitScript(() => {
    if (window.top === window) {
      window.__messages = [];
      window.addEventListener('message', (event) => {
        if (event.data && typeof event.data === 'object') window.__messages.push(event.data);
      });
    }
  });
  await page.goto(`${hostUrl}${pathname}`);
  const { frame, labFrame } = await labInFrame(page, (url) => url.startsWith(lab.url));
  return { page, frame, labFrame, problems, requests };
}

const messages = (page, type) => page.evaluate((t) => window.__messages.filter((m) => m.type === t), type);
const send = (page, message) => page.evaluate((m) => document.getElementById('lab').contentWindow.postMessage(m, '*'), message);
const state = (labFrame) => labFrame.evaluate(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state);

test('a sandboxed cross-origin frame trains in a worker, reports ready/progress/result, raises no CSP violation and asks no other origin', async () => {
  const { page, labFrame, problems, requests } = await openHost('/worker.html', hostPage(`${lab.url}#noise?nav=0`));
  assert.equal(await labFrame.evaluate(() => document.documentElement.dataset.engine), 'blob-worker');
  assert.equal(await labFrame.evaluate(() => window.origin), 'null');
  const [ready] = await messages(page, 'bnlab:ready');
  assert.equal(ready.version, 1);
  assert.equal(ready.chapter, 'noise');
  // nav=0: one chapter only
  assert.equal(await labFrame.evaluate(() => getComputedStyle(document.querySelector('.chapter-links')).display), 'none');
  await send(page, { type: 'bnlab:play' });
  await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'done', null, { timeout: 180000 });
  // predict=ask (the default): the result is the answer to the pending prediction, so the host
  // hears it only after the student's prediction or skip, right after bnlab:prediction.
  await page.waitForTimeout(500);
  assert.deepEqual(await messages(page, 'bnlab:result'), [], 'no bnlab:result while the prediction is pending');
  await labFrame.click('section.chapter:not([hidden]) [data-action="skip"]');
  await page.waitForFunction(() => window.__messages.some((m) => m.type === 'bnlab:result'));
  const order = (await page.evaluate(() => window.__messages.map((m) => m.type))).filter((m) => m === 'bnlab:prediction' || m === 'bnlab:result');
  assert.deepEqual(order, ['bnlab:prediction', 'bnlab:result']);
  const progress = await messages(page, 'bnlab:progress');
  assert.ok(progress.length >= 2 && progress.length <= 30, `progress messages: ${progress.length}`);
  assert.ok(progress.some((m) => m.state === 'running' && m.progress > 0 && m.progress < 1));
  const [result] = await messages(page, 'bnlab:result');
  assert.equal(result.chapter, 'noise');
  assert.match(result.takeaway, /\d/);
  assert.deepEqual(await labFrame.evaluate(() => window.__violations), []);
  const foreign = requests.filter((u) => !u.startsWith(lab.url) && !u.startsWith(hostUrl) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the reported height grows when a data table opens and shrinks when it closes', async () => {
  const { page, labFrame, problems } = await openHost('/resize.html', hostPage(`${lab.url}#noise?nav=0&predict=off`));
  await send(page, { type: 'bnlab:play' });
  await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'done', null, { timeout: 180000 });
  await page.waitForTimeout(300);
  const heights = async () => (await messages(page, 'bnlab:resize')).map((m) => m.height);
  const before = (await heights()).at(-1);
  await labFrame.evaluate(() => document.querySelectorAll('section.chapter:not([hidden]) details.data-table').forEach((d) => { d.open = true; }));
  await page.waitForFunction((h) => window.__messages.filter((m) => m.type === 'bnlab:resize').at(-1).height > h + 100, before);
  const opened = (await heights()).at(-1);
  await labFrame.evaluate(() => document.querySelectorAll('section.chapter:not([hidden]) details.data-table').forEach((d) => { d.open = false; }));
  await page.waitForFunction((h) => window.__messages.filter((m) => m.type === 'bnlab:resize').at(-1).height < h - 100, opened);
  const closed = (await heights()).at(-1);
  assert.ok(Math.abs(closed - before) < 5, `height before ${before}, opened ${opened}, closed ${closed}`);
  assert.deepEqual(problems, []);
  await page.close();
});

test('play, pause and resume from the host on the main-thread engine: pause holds every time', async () => {
  const { page, labFrame, problems } = await openHost('/pause.html', hostPage(`${lab.url}?engine=main-thread#regularization?seeds=2&epochs=400`));
  assert.equal(await labFrame.evaluate(() => document.documentElement.dataset.engine), 'main-thread');
  await send(page, { type: 'bnlab:play' });
  for (let i = 0; i < 5; i += 1) {
    await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'running');
    await page.waitForTimeout(150);
    await send(page, { type: 'bnlab:pause' });
    await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'paused');
    const at = await labFrame.evaluate(() => document.querySelector('section.chapter:not([hidden]) progress').value);
    await page.waitForTimeout(400);
    assert.equal(await state(labFrame), 'paused', `try ${i + 1}: an old update took the panel back out of "paused"`);
    assert.equal(await labFrame.evaluate(() => document.querySelector('section.chapter:not([hidden]) progress').value), at, `try ${i + 1}: the run went on while paused`);
    await send(page, { type: i % 2 ? 'bnlab:resume' : 'bnlab:play' });
  }
  await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'running');
  await send(page, { type: 'bnlab:pause' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('only the parent is obeyed; loading a chapter from the host moves neither its focus nor its scroll', async () => {
  // a sibling frame on the host page tries to drive the lab
  const sibling = `<iframe id="other" title="Another widget" sandbox="allow-scripts" srcdoc="<script>window.addEventListener('message', (e) => { if (e.data === 'go') parent.frames[0].postMessage({ type: 'bnlab:load', chapter: 'speed', settings: {} }, '*'); });</script>"></iframe>`;
  const { page, labFrame, problems } = await openHost('/focus.html', hostPage(`${lab.url}#noise`, { extra: sibling }));
  await page.evaluate(() => document.getElementById('other').contentWindow.postMessage('go', '*'));
  await page.waitForTimeout(800);
  assert.equal(await labFrame.evaluate(() => document.querySelector('section.chapter:not([hidden])')?.dataset.chapter), 'noise');
  await page.focus('#notes');
  await page.evaluate(() => window.scrollTo(0, 120));
  const before = await page.evaluate(() => ({ y: window.scrollY, focus: document.activeElement.id }));
  await send(page, { type: 'bnlab:load', chapter: 'noise', settings: { inspect: 256, controls: 'lock' } });
  await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden]) select[name="inspect"]').value === '256');
  assert.equal(await labFrame.evaluate(() => document.querySelector('section.chapter:not([hidden]) select[name="inspect"]').disabled), true, 'controls=lock');
  await send(page, { type: 'bnlab:load', chapter: 'speed', settings: { lr: 0.3 } });
  // (while a chapter's code loads no chapter is shown: the one left is hidden at once)
  await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.chapter === 'speed');
  await send(page, { type: 'bnlab:play' });
  await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'running');
  await page.waitForTimeout(500);
  await send(page, { type: 'bnlab:pause' });
  await send(page, { type: 'bnlab:load', chapter: 'nope' });
  await page.waitForFunction(() => window.__messages.some((m) => m.type === 'bnlab:error'));
  const after = await page.evaluate(() => ({ y: window.scrollY, focus: document.activeElement.id }));
  assert.deepEqual(after, before);
  const [error] = await messages(page, 'bnlab:error');
  assert.match(error.message, /unknown chapter "nope"/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('without allow-downloads, an export says so on the page and offers the data to copy', async () => {
  const { page, labFrame, problems } = await openHost('/exports.html', hostPage(`${lab.url}#noise?predict=off`));
  await labFrame.click('section.chapter:not([hidden]) [data-action="run"]');
  await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'done', null, { timeout: 180000 });
  const chart = 'section.chapter:not([hidden]) [data-chart="noise-mean-noise"]';
  assert.equal(await labFrame.isVisible(`${chart} .export-fallback`), false);
  await labFrame.click(`${chart} .export button:text-is("CSV")`);
  await labFrame.waitForSelector(`${chart} .export-fallback:not([hidden])`);
  assert.match(await labFrame.textContent(`${chart} .export-fallback-text`), /allow-downloads/);
  assert.match(await labFrame.inputValue(`${chart} .export-fallback-area`), /^series,mini-batch size m,/);
  assert.ok(await labFrame.isVisible(`${chart} .export-fallback button:text-is("Copy to clipboard")`));
  assert.deepEqual(problems.filter((p) => !/[Dd]ownload/.test(p)), []);
  await page.close();
});
