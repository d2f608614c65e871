// Issue 7 in headless Chromium: the live batch-size pair of chapter 3b, every chapter drawing a
// result without a press of Run, and the worker pool giving the same bytes at any size.
// BNLAB_WASM_DIR=/some/dir serves the engine from there instead of web/generated (to try the page
// against another branch's build of the core).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { launch, openPage, screenshotPath, startServer, wasmBuilt } from './browser.js';

const wasmDir = process.env.BNLAB_WASM_DIR || '';
const timeout = 180000;
let server;
let browser;

async function routeEngine(context) {
  if (!wasmDir) return;
  await context.route('**/generated/*', async (route) => {
    const name = path.basename(new URL(route.request().url()).pathname);
    const file = path.join(wasmDir, name);
    if (!fs.existsSync(file)) return route.fallback();
    const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    await route.fulfill({ status: 200, body: fs.readFileSync(file), headers: { 'content-type': type, 'access-control-allow-origin': '*' } });
  });
}

test.before(async () => {
  assert.ok(wasmBuilt, 'web/generated/bnlab.mjs is missing: build the wasm first (npm run build)');
  server = await startServer();
  browser = await launch();
  await routeEngine(browser.context);
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

const chapterSel = (id) => `section[data-chapter="${id}"]`;

async function waitLive(page, batch) {
  await page.waitForFunction((b) => {
    const s = document.querySelector('section[data-chapter="regularization"]');
    return (s?.dataset.live === 'done' && s.dataset.liveKey === String(b)) || s?.dataset.live === 'failed';
  }, batch, { timeout, polling: 100 });
  return page.$eval(chapterSel('regularization'), (s) => ({
    live: s.dataset.live,
    error: s.querySelector('.live .run-error')?.hidden ? '' : s.querySelector('.live .run-error')?.textContent,
    text: s.querySelector('.live-takeaway')?.textContent || '',
    curves: s.querySelector('figure[data-chart="regularization-live-curves"] .chart-summary')?.textContent || '',
    gap: s.querySelector('figure[data-chart="regularization-gap"] .chart-summary')?.textContent || '',
    visits: [...window.bnlab.panels.get('regularization').visits.keys()],
    hash: window.location.hash,
    regions: [...s.querySelectorAll('figure[data-chart^="regularization-regions"]')].map((f) => ({
      hidden: f.hidden, cells: f.querySelectorAll('svg path[data-class]').length, summary: f.querySelector('.chart-summary')?.textContent || '',
    })),
  }));
}

async function setSlider(page, value) {
  await page.$eval(`${chapterSel('regularization')} input[name="batch"]`, (input, v) => {
    input.value = String(v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

// Every engine build has issue 7's decision grid and memorized metric (the preset names its grid).
const presetHasGrid = (page) => page.evaluate(async () => {
  const preset = await window.bnlab.runner.preset('regularization');
  return !!(preset.ok && preset.value && 'grid' in preset.value);
});

test('the batch-size slider at 64 and 512 trains the three nets and adds two points to the gap chart', async () => {
  const { page, problems } = await openPage(browser.context, `${server.url}#regularization`, server.url);
  const at64 = await waitLive(page, 64);
  assert.equal(at64.live, 'done', at64.error);
  assert.match(at64.curves, /^Batch 64: loss gap without BN -?\d\.\d+, with BN -?\d\.\d+, with whole-set BN -?\d\.\d+\.$/);
  assert.deepEqual(at64.visits, [64]);
  const curveMarks = await page.$$eval(`${chapterSel('regularization')} figure[data-chart="regularization-live-curves"] svg path`,
    (paths) => paths.filter((p) => (p.getAttribute('d') || '').length > 100).length);
  assert.ok(curveMarks >= 6, `the three nets' train and test curves are drawn (${curveMarks} long paths)`);

  await setSlider(page, 512);
  const at512 = await waitLive(page, 512);
  assert.equal(at512.live, 'done', at512.error);
  assert.match(at512.curves, /^Batch 512: loss gap without BN -?\d\.\d+, with BN -?\d\.\d+, with whole-set BN -?\d\.\d+\.$/);
  assert.match(at512.text, /Batch 512 is the whole 512-example training set: full-batch BN/);
  assert.deepEqual(at512.visits.sort((a, b) => a - b), [64, 512]);
  assert.match(at512.gap, /Live points \(one seed\): 64: BN -?\d\.\d+, no BN -?\d\.\d+; 512: BN -?\d\.\d+, no BN -?\d\.\d+\./);
  assert.match(at512.hash, /[?&]batch=512(&|$)/);
  // The two points are different runs, not one number drawn twice.
  const gaps = await page.evaluate(() => [...window.bnlab.panels.get('regularization').visits.values()].map((v) => v.gap.bn));
  assert.notEqual(gaps[0], gaps[1]);
  assert.ok(await presetHasGrid(page), 'the regularization preset has a decision grid');
  for (const r of at512.regions) {
    assert.equal(r.hidden, false);
    // the field chart draws the grid as one path per (class, confidence step): both classes, a few paths
    assert.ok(r.cells >= 2 && r.cells <= 12, `the decision regions are drawn as a few paths (${r.cells})`);
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('the share of flipped labels each net has memorized is reported', async () => {
  const { page, problems } = await openPage(browser.context, `${server.url}#regularization?batch=128`, server.url);
  const live = await waitLive(page, 128);
  assert.equal(live.live, 'done', live.error);
  const m = live.text.match(/Memorized flipped labels: no BN (\d+)%, BN (\d+)%/);
  assert.ok(m, live.text);
  for (const share of m.slice(1)) assert.ok(Number(share) >= 0 && Number(share) <= 100);
  for (const r of live.regions) assert.match(r.summary, /\d+% of the flipped training labels predicted as flipped \(memorized\)/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('every chapter draws a chart when it opens, without a press of Run', async () => {
  const { page, problems } = await openPage(browser.context, server.url, server.url);
  const ids = await page.evaluate(() => window.bnlab.chapters.map((c) => c.id));
  for (const id of ids) {
    await page.evaluate((c) => {
      window.location.hash = `#${c}`;
    }, id);
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.drawn === 'true', chapterSel(id), { timeout, polling: 100 });
    // Data marks: long paths (curves) or more rects than a chart's frame (regions, bars).
    const marks = await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} figure.chart svg.chart-svg`)].reduce((n, svg) => n
      + [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') || '').length > 20).length
      + Math.max(0, svg.querySelectorAll('rect').length - 3), 0) || false, chapterSel(id), { timeout, polling: 100 });
    assert.ok((await marks.jsonValue()) > 0, `chapter ${id} drew data marks`);
    // The first takeaway of the chapter: the live view's where there is one (3b), else the run's.
    const takeaway = await page.$eval(`${chapterSel(id)} .live-takeaway, ${chapterSel(id)} .takeaway`, (el) => el.textContent);
    assert.ok(takeaway && !/^Press Run/.test(takeaway), `chapter ${id}: ${takeaway}`);
  }
  await page.screenshot({ path: screenshotPath('batch-last-chapter-on-open'), fullPage: false });
  assert.deepEqual(problems, []);
  await page.close();
});

test('under prefers-reduced-motion the preset is computed, then drawn once', async () => {
  const page0 = await browser.context.newPage();
  await page0.emulateMedia({ reducedMotion: 'reduce' });
  await page0.goto(`${server.url}#speed`);
  await page0.waitForFunction(() => document.querySelector('section[data-chapter="speed"]')?.dataset.drawn === 'true', null, { timeout, polling: 50 });
  assert.equal(await page0.$eval(chapterSel('speed'), (s) => s.dataset.state), 'done');
  await page0.close();
});

test('pool sizes 1 and 3 give the same bytes, and the same bytes as one run of the whole sweep', async () => {
  const { page, problems } = await openPage(browser.context, server.url, server.url);
  const out = await page.evaluate(async () => {
    const { createPool } = await import('./src/pool.js');
    const { runner } = window.bnlab;
    const has = await runner.hasCells();
    if (!has.ok || !has.value) return { error: 'the engine has no cells()/merge()' };
    const preset = (await runner.preset('regularization')).value;
    const spec = { ...preset, seeds: 2, epochs: 40, batch_sizes: [64, 256], eval_every: 10 };
    const merged = [];
    const sizes = [];
    for (const size of [1, 3]) {
      const pool = await createPool({ size });
      sizes.push(pool.size);
      const result = await pool.sweep(spec).promise;
      pool.terminate();
      if (!result.ok) return { error: result.error };
      merged.push(result.json);
    }
    // The whole spec as one run, for comparison.
    const whole = await new Promise((resolve) => {
      const off = runner.onUpdate(async (m) => {
        if (m.runId !== 'whole') return;
        if (m.state === 'done' || m.state === 'failed') {
          off();
          resolve(m.state === 'done' ? (await runner.resultJson('whole')).value : null);
          runner.cancel('whole');
        }
      });
      runner.start('whole', spec);
    });
    const cells = (await runner.cells(spec)).value?.length;
    return { merged, whole, sizes, cells };
  });
  assert.equal(out.error, undefined);
  assert.equal(out.cells, 2 * 4 * 2);
  assert.equal(out.sizes[0], 1);
  assert.ok(out.sizes[1] >= 2, `the second pool has several workers (${out.sizes[1]})`);
  assert.ok(out.merged[0].length > 1000);
  assert.equal(out.merged[0], out.merged[1]);
  assert.equal(out.merged[0], out.whole);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Run in chapter 3b sweeps over seeds (on the pool when the engine has cells) and keeps the live points', async () => {
  const { page, problems } = await openPage(browser.context, `${server.url}#regularization?seeds=2&epochs=100`, server.url);
  const live = await waitLive(page, 64);
  assert.equal(live.live, 'done', live.error);
  await page.click(`${chapterSel('regularization')} [data-action="run"]`);
  await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('section[data-chapter="regularization"]')?.dataset.state), null, { timeout, polling: 250 });
  const out = await page.$eval(chapterSel('regularization'), (s) => ({
    state: s.dataset.state,
    pool: s.dataset.pool,
    takeaway: s.querySelector('.takeaway').textContent,
    gap: s.querySelector('figure[data-chart="regularization-gap"] .chart-summary').textContent,
  }));
  const hasCells = await page.evaluate(async () => (await window.bnlab.runner.hasCells()).value === true);
  assert.equal(out.state, 'done');
  if (hasCells) assert.ok(Number(out.pool) >= 1, `the sweep ran on the pool (${out.pool})`);
  else assert.equal(out.pool, '');
  assert.match(out.gap, /^Loss gap after 2 of 2 seeds: /);
  assert.match(out.gap, /Live points \(one seed\): 64: BN/);
  assert.ok(!/Press Run/.test(out.takeaway), out.takeaway);
  assert.deepEqual(problems, []);
  await page.close();
});
