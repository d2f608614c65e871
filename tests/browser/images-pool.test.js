// The images chapter on the page's worker pool: the two nets run as two cells side by side, the
// plots grow while they run (the cells' running results are merged as they come), the final result
// is the same bytes as one engine running the spec, pause holds and reset clears; with only the
// main thread it runs in the one runner as before, and without its data it says what to install.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openPage, screenshotPath, useLab } from './browser.js';

const dataFile = new URL('../../web/generated/fashion-mnist-subset.bin', import.meta.url);
const visible = 'section.chapter:not([hidden])';
const runTimeoutMs = 180000;
// Every test here trains on the images: without the data file each is skipped, saying why.
const needsData = { skip: !fs.existsSync(dataFile) && 'web/generated/fashion-mnist-subset.bin is missing: install dataset-fashion-mnist (bash scripts/setup.sh) and build the wasm' };
const lab = useLab();

const panelState = (page) => page.evaluate(() => {
  const panel = window.bnlab.panels.get('images');
  const r = panel.result;
  return {
    state: panel.state,
    pool: panel.section.dataset.pool,
    progress: document.querySelector('section[data-chapter="images"] progress').value,
    plain: r?.nets?.plain?.eval_step?.length ?? 0,
    bn: r?.nets?.bn?.eval_step?.length ?? 0,
    complete: r?.complete ?? null,
    text: r ? JSON.stringify(r) : '',
  };
});

const waitState = (page, states) => page.waitForFunction((list) => list.includes(window.bnlab.panels.get('images').state), states, { timeout: runTimeoutMs, polling: 100 });

test('pooled: the two nets train side by side, the plots grow while they run, and the result is one engine\'s bytes', needsData, async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}?autorun=0#images?steps=500`, lab.server.url);
  const fetched = [];
  page.on('request', (r) => { if (r.url().endsWith('.bin')) fetched.push(r.url()); });
  await page.click(`${visible} [data-action="run"]`);
  // Sample the panel while it runs: each sample the partial result it shows.
  const seen = [];
  for (;;) {
    const s = await panelState(page);
    if (s.state === 'done' || s.state === 'failed') break;
    seen.push(s);
    await page.waitForTimeout(100);
  }
  const end = await panelState(page);
  assert.equal(end.state, 'done', await page.$eval(`${visible} .run-error`, (el) => el.textContent));
  assert.equal(end.pool, '2', 'the chapter did not run on a pool of 2 workers');
  assert.equal(fetched.length, 1, 'the data were fetched more than once');
  // Live: partial results with both nets' curves, growing, before the end (500 steps: 6 evaluations).
  const running = seen.filter((s) => s.state === 'running' && s.complete === false);
  const bnLengths = new Set(running.map((s) => s.bn).filter((n) => n > 0 && n < 6));
  const plainLengths = new Set(running.map((s) => s.plain).filter((n) => n > 0 && n < 6));
  assert.ok(bnLengths.size >= 2 && plainLengths.size >= 2, `curves did not grow while running: BN ${[...bnLengths]}, plain ${[...plainLengths]}`);
  assert.ok(running.some((s) => s.progress > 0 && s.progress < 1), 'no progress shown while running');
  const marks = await page.$eval(`${visible} [data-chart="images-accuracy"] svg.chart-svg`, (svg) => [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') || '').length > 20).length);
  assert.ok(marks >= 2, 'the accuracy chart did not draw both nets');
  assert.match(await page.$eval(`${visible} .takeaway`, (el) => el.textContent), /After 500 steps on Fashion-MNIST: test accuracy [\d.]+% with BN vs [\d.]+% without/);
  // The same spec run by the page's one runner, both nets in lock-step: the same bytes.
  const bytes = await page.evaluate(async () => {
    const { runner, panels } = window.bnlab;
    const panel = panels.get('images');
    const problem = await panel.chapter.prepare(runner);
    if (problem) return { problem };
    const runId = 'one-engine';
    await new Promise((resolve) => {
      const off = runner.onUpdate((m) => {
        if (m.runId === runId && (m.state === 'done' || m.state === 'failed')) { off(); resolve(m); }
      });
      runner.start(runId, panel.spec());
    });
    return { pooled: panel.resultJson, single: (await runner.resultJson(runId)).value };
  });
  assert.equal(bytes.problem, undefined);
  assert.ok(bytes.pooled && bytes.pooled.length > 1000);
  assert.equal(bytes.pooled, bytes.single);
  await page.screenshot({ path: screenshotPath('images-pooled-1200'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('pooled: a paused run does not change until resumed, and reset clears it for good', needsData, async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}?autorun=0#images?steps=1000`, lab.server.url);
  await page.click(`${visible} [data-action="run"]`);
  await page.waitForFunction(() => (window.bnlab.panels.get('images').result?.nets?.bn?.eval_step?.length ?? 0) >= 2, null, { timeout: runTimeoutMs, polling: 100 });
  await page.click(`${visible} [data-action="pause"]`);
  await waitState(page, ['paused']);
  const at = await panelState(page);
  assert.equal(at.pool, '2');
  await page.waitForTimeout(1500);
  const later = await panelState(page);
  assert.equal(later.state, 'paused');
  assert.equal(later.progress, at.progress, 'the progress moved while paused');
  assert.equal(later.text, at.text, 'the plots changed while paused');
  await page.click(`${visible} [data-action="run"]`);  // Resume
  await page.waitForFunction((p) => {
    const panel = window.bnlab.panels.get('images');
    return panel.state === 'running' && document.querySelector('section[data-chapter="images"] progress').value > p;
  }, at.progress, { timeout: runTimeoutMs, polling: 100 });
  await page.click(`${visible} [data-action="reset"]`);
  const reset = await panelState(page);
  assert.equal(reset.state, 'idle');
  assert.equal(reset.text, '');
  await page.waitForTimeout(1000);
  const after = await panelState(page);
  assert.equal(after.state, 'idle', 'a late cell update brought a reset run back');
  assert.equal(after.text, '');
  // Run again: it trains to the end.
  await page.click(`${visible} [data-action="run"]`);
  await waitState(page, ['done', 'failed']);
  assert.equal((await panelState(page)).state, 'done');
  assert.deepEqual(problems, []);
  await page.close();
});

test('main thread only: the chapter runs in the one runner; without its data it says what to install', needsData, async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}?engine=main-thread&autorun=0#images?steps=250`, lab.server.url);
  await page.click(`${visible} [data-action="run"]`);
  await waitState(page, ['done', 'failed']);
  const s = await panelState(page);
  assert.equal(s.state, 'done');
  assert.equal(s.pool, '', 'with the main thread only the chapter must not go to a pool');
  assert.equal(s.bn, 4);
  assert.deepEqual(problems, []);
  await page.close();

  const missing = (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
  await lab.browser.context.route('**/fashion-mnist-subset.bin', missing);
  const second = await openPage(lab.browser.context, `${lab.server.url}?engine=main-thread&autorun=0#images?steps=250`, lab.server.url);
  await second.page.click(`${visible} [data-action="run"]`);
  await waitState(second.page, ['done', 'failed']);
  assert.equal((await panelState(second.page)).state, 'failed');
  assert.match(await second.page.$eval(`${visible} .run-error`, (el) => el.textContent), /^Cannot run: the Fashion-MNIST images are not on this server \(generated\/fashion-mnist-subset\.bin: HTTP 404\): install dataset-fashion-mnist/);
  await second.page.close();
  await lab.browser.context.unroute('**/fashion-mnist-subset.bin', missing);
});

test('leaving the images chapter mid-run frees the workers: chapter 3b\'s live pair runs meanwhile, and images then finishes', needsData, async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}?autorun=0#images`, lab.server.url);
  await page.click(`${visible} [data-action="run"]`);
  await page.waitForFunction(() => {
    const p = window.bnlab.panels.get('images');
    return p.state === 'running' && (p.result?.nets?.bn?.eval_step?.length ?? 0) >= 2;
  }, null, { timeout: runTimeoutMs, polling: 100 });
  // A student goes to chapter 3b (the page pauses the chapter it leaves) and moves the slider.
  await page.evaluate(() => { window.location.hash = '#regularization?batch=64'; });
  await page.waitForFunction(() => window.bnlab.panels.get('images').state === 'paused', null, { timeout: 10000 });
  const before = await panelState(page);
  // The chapter left is paused at once; 3b's panel may still be loading its code.
  await page.waitForSelector('section[data-chapter="regularization"]:not([hidden]) input[name="batch"]', { timeout: 10000 });
  await page.$eval('section[data-chapter="regularization"] input[name="batch"]', (input) => {
    input.value = '512';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  // Both workers hold a paused images cell; the pair must not wait for images (a pair takes < 2 s).
  const live = await page.waitForFunction(() => {
    const s = document.querySelector('section[data-chapter="regularization"]');
    return (s.dataset.live === 'done' && s.dataset.liveKey === '512') || s.dataset.live === 'failed' ? s.dataset.live : null;
  }, null, { timeout: 30000, polling: 100 }).then((h) => h.jsonValue(), () => 'held up');
  assert.equal(live, 'done', 'chapter 3b\'s live pair waited behind the paused images cells');
  const still = await panelState(page);
  assert.equal(still.state, 'paused');
  assert.equal(still.text, before.text, 'the paused images result changed');
  // Back on images, Resume (if the page did not resume it by itself) takes the run to the end.
  await page.evaluate(() => { window.location.hash = '#images'; });
  await page.waitForTimeout(300);
  if ((await panelState(page)).state === 'paused') await page.click(`${visible} [data-action="run"]`);
  await waitState(page, ['done', 'failed']);
  const end = await panelState(page);
  assert.equal(end.state, 'done', await page.$eval(`${visible} .run-error`, (el) => el.textContent));
  assert.ok(end.bn > before.bn && end.complete === true, `images did not finish (${before.bn} -> ${end.bn} evaluations)`);
  assert.deepEqual(problems, []);
  await page.close();
});
