// Predict, then run (issue 17), in headless Chromium: in each chapter a prediction made by keyboard
// is scored against the run's own number (or, where the result does not carry it, says so);
// predict=require reveals nothing until a prediction is made; predict=off shows no question; an
// answer out of range is one line and nothing is lost; axe finds nothing with the controls open; a
// host page on another local origin receives bnlab:prediction and bnlab:score from its own frame only.
import fs from 'node:fs';
import http from 'node:http';
import test from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { closeServer, launch, openPage, startServer, wasmBuilt, watchPage } from './browser.js';

const visible = 'section.chapter:not([hidden])';
const imagesData = fs.existsSync(new URL('../../web/generated/fashion-mnist-subset.bin', import.meta.url));
const runTimeoutMs = 300000;
// Settings that keep each run short; speed runs at learning rate 0.3, the one its question asks about.
const quick = {
  speed: 'lr=0.3', distribution: '', shift: '', noise: '', regularization: 'seeds=1&epochs=100', inference: '', ics: '', images: 'steps=250',
};

let lab;
let browser;
let host;
let hostUrl;
const pages = new Map();

test.before(async () => {
  assert.ok(wasmBuilt, 'web/generated/bnlab.mjs is missing: build the wasm first (npm run build)');
  lab = await startServer();
  browser = await launch();
  host = http.createServer((req, res) => {
    const body = pages.get(new URL(req.url, 'http://x').pathname);
    res.writeHead(body ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' }).end(body || 'not found');
  });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://localhost:${host.address().port}`;  // another origin than the lab's 127.0.0.1
});

test.after(async () => {
  await browser?.close();
  await lab?.close();
  if (host) await closeServer(host);
});

const waitDone = (page, timeout = runTimeoutMs) => page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'done', visible, { timeout, polling: 200 });
const revealed = (page) => page.$eval(visible, (s) => s.dataset.reveal);
const takeawayShown = (page) => page.isVisible(`${visible} .takeaway-box`);

// Answers the visible chapter's question by keyboard only: the first choice (Space) or a number
// (typed), then Enter on "Commit my prediction".
async function answerByKeyboard(page, number) {
  const radio = await page.$(`${visible} .predict input[type="radio"]`);
  if (radio) {
    await radio.focus();
    await page.keyboard.press('Space');
  } else {
    await page.focus(`${visible} .predict input[inputmode="decimal"]`);
    await page.keyboard.type(String(number));
  }
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'predict');
  await page.keyboard.press('Enter');
}

for (const [chapter, settings] of Object.entries(quick)) {
  test(`chapter ${chapter}: the result waits for a prediction made by keyboard, which is scored against the run's own number`, async (t) => {
    if (chapter === 'images' && !imagesData) {
      t.skip('web/generated/fashion-mnist-subset.bin is missing: install dataset-fashion-mnist (bash scripts/setup.sh) and build the wasm');
      return;
    }
    const { page, problems } = await openPage(browser.context, `${lab.url}#${chapter}${settings ? `?${settings}` : ''}`, lab.url);
    assert.equal(await revealed(page), 'waiting');
    assert.equal(await takeawayShown(page), false, 'no takeaway before the prediction');
    assert.ok(await page.isVisible(`${visible} [data-action="skip"]`));
    if (await page.$eval(visible, (s) => s.dataset.state) !== 'running') await page.click(`${visible} [data-action="run"]`);
    await waitDone(page);
    assert.equal(await revealed(page), 'waiting', 'the run finished, the reveal still waits');
    assert.equal(await takeawayShown(page), false);
    await answerByKeyboard(page, chapter === 'inference' ? 50 : 0.4);
    assert.equal(await revealed(page), 'shown');
    assert.equal(await takeawayShown(page), true);
    if (chapter === 'images') {
      // drawn while hidden (before the prediction), the image grid is laid out again for the width it is shown at
      await page.waitForFunction((sel) => Number(document.querySelector(`${sel} svg.image-grid`)?.getAttribute('width')) > 600, visible, { timeout: 5000 }).catch(() => {});
      const grid = await page.$eval(`${visible} svg.image-grid`, (svg) => ({ width: Number(svg.getAttribute('width')), plot: svg.parentElement.clientWidth }));
      assert.ok(grid.width > grid.plot - 170 && grid.width <= grid.plot, `image grid ${grid.width} px wide in a ${grid.plot} px plot`);
    }
    // The score the page shows is the chapter's own measure and score of this run's result.
    const check = await page.evaluate((id) => {
      const panel = window.bnlab.panels.get(id);
      const q = panel.chapter.predict;
      const entry = window.bnlab.predictions.entries.find((e) => e.chapter === id);
      const measured = q.measure(panel.result, { values: panel.values });
      const shown = document.querySelector(`[data-predict-score="${id}"]`)?.textContent || null;
      const pending = document.querySelector(`[data-predict-outcome="${id}"] .predict-pending`)?.textContent || null;
      return { measured, expected: measured ? q.score(entry.answer, measured) : null, entry, shown, pending, kind: q.kind };
    }, chapter);
    if (check.measured) {
      assert.equal(check.entry.measured, check.measured.value);
      assert.equal(check.entry.score, check.expected.score);
      assert.equal(check.shown, `${Math.round(check.expected.score * 100)}% (${check.expected.correct ? 'right' : check.expected.score > 0 ? (check.kind === 'number' ? 'close, not within the tolerance' : 'partly right') : 'not right'})`);
    } else {
      // 3b before its result carries noise_effect: the page says it cannot score, nothing breaks
      assert.equal(chapter, 'regularization', `${chapter} did not measure its answer`);
      assert.match(check.pending, /^Not scored yet: this run does not measure it\./);
      t.diagnostic('regularization: the result has no noise_effect in this build, so the prediction is not scored');
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('predict=require: nothing is revealed until a prediction is made (no skip); an answer out of range is one line and nothing is lost', async () => {
  const { page, problems } = await openPage(browser.context, `${lab.url}#noise?predict=require`, lab.url);
  assert.equal(await page.isVisible(`${visible} [data-action="skip"]`), false);
  await waitDone(page);
  assert.equal(await revealed(page), 'waiting');
  assert.equal(await takeawayShown(page), false);
  assert.equal(await page.isVisible(`${visible} .charts`), false, 'no chart before the prediction');
  const field = `${visible} .predict input[inputmode="decimal"]`;
  await page.fill(field, '7');
  await page.press(field, 'Enter');
  assert.equal(await page.textContent(`${visible} .predict-error`), 'Your prediction (×) "7" must be between 0 and 2 ×');
  assert.equal(await page.inputValue(field), '7', 'the typed answer stays');
  assert.equal(await revealed(page), 'waiting');
  assert.equal(await page.$eval(visible, (s) => s.dataset.state), 'done', 'the run is untouched');
  await page.fill(field, '0.35');
  await page.press(field, 'Enter');
  assert.equal(await revealed(page), 'shown');
  assert.equal(await takeawayShown(page), true);
  assert.match(await page.textContent(`[data-predict-score="noise"]`), /^\d+% \((right|close, not within the tolerance|not right)\)$/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('predict=off shows no question and the result at once; a bad predict= value is one notice and ask is used', async () => {
  const { page, problems } = await openPage(browser.context, `${lab.url}#inference?predict=off`, lab.url);
  assert.equal(await page.isVisible(`${visible} .predict`), false);
  assert.equal(await revealed(page), 'shown');
  await waitDone(page);
  assert.equal(await takeawayShown(page), true);
  assert.deepEqual(problems, []);
  await page.close();
  const bad = await openPage(browser.context, `${lab.url}#speed?predict=sometimes`, lab.url);
  const notices = await bad.page.$$eval('#notices li span', (all) => all.map((s) => s.textContent));
  assert.deepEqual(notices, ['Link: page option predict "sometimes" must be one of ask, require, off; using ask.']);
  assert.ok(await bad.page.isVisible(`${visible} .predict`));
  assert.equal(await revealed(bad.page), 'waiting');
  assert.equal(await bad.page.evaluate(() => window.location.hash), '#speed?lr=0.01&batch=64&momentum=0.9&seed=1');
  assert.deepEqual(bad.problems, []);
  await bad.page.close();
});

test('axe finds nothing with the prediction controls open, nor after the prediction is scored', async () => {
  const { page, problems } = await openPage(browser.context, `${lab.url}#inference`, lab.url);
  const found = [];
  const scan = async (when) => {
    const axe = await new AxeBuilder({ page }).analyze();
    for (const v of axe.violations) found.push(`${when}: ${v.id} (${v.impact}, ${v.nodes.length}): ${v.nodes[0]?.target.join(' ')}`);
  };
  await scan('question open');
  await page.fill(`${visible} .predict input[inputmode="decimal"]`, '500');
  await page.press(`${visible} .predict input[inputmode="decimal"]`, 'Enter');
  await scan('error shown');
  await page.goto(`${lab.url}#shift`);
  await scan('choices open');
  await waitDone(page);
  await answerByKeyboard(page);
  await scan('scored');
  assert.deepEqual(found, []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a host page on another origin receives bnlab:prediction and bnlab:score from its own frame only', async () => {
  pages.set('/course.html', `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Course</title></head><body><main><h1>Course</h1>
<iframe id="lab" title="BN Lab A" sandbox="allow-scripts" width="1000" height="900" src="${lab.url}#noise"></iframe>
<iframe id="other" title="BN Lab B" sandbox="allow-scripts" width="1000" height="900" src="${lab.url}#noise"></iframe></main></body></html>`);
  const page = await browser.context.newPage();
  const { problems } = await watchPage(page);
  await page.addInitScript(() => {
    if (window.top !== window) return;
    window.__got = [];
    window.addEventListener('message', (event) => {
      const d = event.data;
      if (!d || typeof d !== 'object' || !/^bnlab:(prediction|score)$/.test(d.type)) return;
      const from = event.source === document.getElementById('lab')?.contentWindow ? 'lab' : event.source === document.getElementById('other')?.contentWindow ? 'other' : 'elsewhere';
      window.__got.push({ from, type: d.type, version: d.version, chapter: d.chapter, question: d.question, answer: d.answer, measured: d.measured, correct: d.correct, score: d.score });
    });
  });
  await page.goto(`${hostUrl}/course.html`);
  const labFrame = await (await page.$('#lab')).contentFrame();
  await labFrame.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  await labFrame.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'done', visible, { timeout: runTimeoutMs });
  await labFrame.fill(`${visible} .predict input[inputmode="decimal"]`, '0.35');
  await labFrame.press(`${visible} .predict input[inputmode="decimal"]`, 'Enter');
  await page.waitForFunction(() => window.__got.some((m) => m.type === 'bnlab:score'), null, { timeout: 10000 });
  await page.waitForTimeout(500);
  const got = await page.evaluate(() => window.__got);
  assert.deepEqual(got.map((m) => `${m.from} ${m.type}`), ['lab bnlab:prediction', 'lab bnlab:score'], 'only the frame the student used reports');
  assert.deepEqual({ ...got[0], measured: undefined, correct: undefined, score: undefined },
    { from: 'lab', type: 'bnlab:prediction', version: 1, chapter: 'noise', question: 'noise-512-vs-64', answer: 0.35, measured: undefined, correct: undefined, score: undefined });
  assert.equal(got[1].chapter, 'noise');
  assert.ok(got[1].measured > 0.2 && got[1].measured < 0.5, `measured ${got[1].measured}`);
  assert.equal(typeof got[1].correct, 'boolean');
  assert.deepEqual(problems, []);
  await page.close();
});
