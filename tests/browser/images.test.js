// The images chapter in headless Chromium: its data are fetched only when it runs, it trains and
// draws (test images included), and with the data file absent (the server answers 404) it shows
// what to install instead of a broken page. Screenshots go to test-output/screenshots/.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { openPage, screenshotPath, useLab } from './browser.js';

const dataFile = new URL('../../web/generated/fashion-mnist-subset.bin', import.meta.url);
const visible = 'section.chapter:not([hidden])';
const runTimeoutMs = 180000;

// One server and one browser for this file (browser.js): lab.server.url, lab.browser.context.
const lab = useLab();

async function runAndWait(page) {
  await page.click(`${visible} [data-action="run"]`);
  await page.waitForFunction((sel) => ['done', 'failed'].includes(document.querySelector(sel)?.dataset.state), visible, { timeout: runTimeoutMs, polling: 250 });
  return page.$eval(visible, (el) => ({
    state: el.dataset.state,
    error: el.querySelector('.run-error')?.hidden ? '' : el.querySelector('.run-error')?.textContent,
    takeaway: el.querySelector('.takeaway')?.textContent,
  }));
}

test('the images chapter fetches its data only when it runs, trains and draws the test images', async (t) => {
  if (!fs.existsSync(dataFile)) {
    t.skip('web/generated/fashion-mnist-subset.bin is missing: install dataset-fashion-mnist (bash scripts/setup.sh) and build the wasm');
    return;
  }
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#speed`, lab.server.url);
  const fetched = [];
  page.on('request', (r) => { if (r.url().endsWith('.bin')) fetched.push(r.url()); });
  await page.waitForTimeout(300);
  assert.deepEqual(fetched, [], 'another chapter fetched the images');
  await page.goto(`${lab.server.url}#images?steps=250&lr=0.1`);
  const outcome = await runAndWait(page);
  assert.equal(outcome.state, 'done', outcome.error);
  assert.equal(fetched.length, 1);
  assert.match(outcome.takeaway, /After 250 steps on Fashion-MNIST: test accuracy [\d.]+% with BN vs [\d.]+% without/);
  const result = await page.evaluate(() => {
    const r = window.bnlab.panels.get('images').result;
    return { n: r.data.n_train, bn: r.nets.bn.final_accuracy, plain: r.nets.plain.final_accuracy, batch1: r.test_time.batch[0].accuracy };
  });
  assert.equal(result.n, 10000);
  assert.ok(result.bn > result.plain, `BN ${result.bn} vs plain ${result.plain}`);
  // Batch of one on 2000 test images: the share of one class; binomial sd sqrt(0.09 / 2000) = 0.0067.
  assert.ok(Math.abs(result.batch1 - 0.1) < 4 * Math.sqrt(0.09 / 2000), `batch of one: ${result.batch1}`);
  // Ten images, each drawn from its pixels, each with the true class and both nets' answers.
  const grid = await page.$eval(`${visible} [data-chart="images-examples"]`, (f) => ({
    cells: f.querySelectorAll('svg g').length,
    pixels: f.querySelectorAll('svg g rect').length,
    captions: [...f.querySelectorAll('svg text')].map((n) => n.textContent),
    summary: f.querySelector('.chart-summary').textContent,
  }));
  assert.equal(grid.cells, 10);
  assert.ok(grid.pixels > 10 * 100, `only ${grid.pixels} pixel rects`);
  assert.equal(grid.captions.length, 30);
  assert.ok(grid.captions.includes('Ankle boot'));
  assert.equal(grid.captions.filter((c) => /^BN: [✓✗] /.test(c)).length, 10);
  assert.match(grid.summary, /with BN \d+ are right, without BN \d+/);
  for (const name of ['accuracy', 'bands-plain', 'bands-bn', 'test-time']) {
    const marks = await page.$eval(`${visible} [data-chart="images-${name}"] svg.chart-svg`, (svg) => [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') || '').length > 20).length);
    assert.ok(marks > 0, `${name} drew nothing`);
  }
  await page.screenshot({ path: screenshotPath('images-1200'), fullPage: true });
  await page.setViewportSize({ width: 320, height: 800 });
  await page.waitForTimeout(400);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 320, 'horizontal scroll at 320px');
  assert.deepEqual(problems, []);
  await page.close();
});

test('without its data file (404) the images chapter says what to install; the page keeps working', async () => {
  // Routed before the page opens: the chapter fetches its data for the run it starts by itself on open.
  const missing = (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
  await lab.browser.context.route('**/fashion-mnist-subset.bin', missing);
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#images?steps=250`, lab.server.url);
  const outcome = await runAndWait(page);
  assert.equal(outcome.state, 'failed');
  assert.match(outcome.error, /^Cannot run: the Fashion-MNIST images are not on this server \(generated\/fashion-mnist-subset\.bin: HTTP 404\): install dataset-fashion-mnist \(bash scripts\/setup\.sh\)/);
  await page.screenshot({ path: screenshotPath('images-missing-data'), fullPage: true });
  // Nothing else broke: the only console error is the 404 itself, and the other chapters stay usable.
  assert.deepEqual(problems.filter((p) => !/404/.test(p)), []);
  await page.goto(`${lab.server.url}#speed?lr=0.1`);
  await page.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.chapter === 'speed');
  assert.equal(await page.$eval('section[data-chapter="speed"] [data-action="run"]', (b) => b.disabled), false);
  assert.equal(await page.$eval('section[data-chapter="images"] .run-error', (el) => el.hidden), false);
  await page.close();
  await lab.browser.context.unroute('**/fashion-mnist-subset.bin', missing);
});
