// The expected point on a chart (issue 17, charts/predict-point.js), in headless Chromium. In each
// chapter whose question is a point (predict.point: noise, 3b, inference), a prediction placed by the
// keyboard on the chart's slider handle, and one dragged with the pointer, are scored against the
// run's own number; the pointer's pixels go through the chart's scale (dragged onto a gridline,
// the value is that gridline's); the typed field stays in sync both ways; a drag beyond the chart is
// one line and stops at the edge; after the reveal the point stays beside the measured one; a
// pending prediction holds the host's bnlab:result (embed.test.js); axe finds nothing.
import test from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { launch, openPage, startServer, wasmBuilt } from './browser.js';

const visible = 'section.chapter:not([hidden])';
const handleSel = `${visible} .predict [role="slider"]`;
const fieldSel = `${visible} .predict input[inputmode="decimal"]`;
const runTimeoutMs = 300000;
// chapter → the gridline a drag aims at, the keys pressed on the handle and the value they give
// (from the middle of the range: noise 1 ×, key step 0.05; inference 50 %, key step 5).
// 3b (regularization) is scored against the page's precomputed sweep until the student's own run
// (a run of its 80 trainings is minutes), so its case does not press Run.
const cases = {
  noise: { gridline: 0.5, keys: ['PageDown', 'ArrowDown', 'ArrowDown'], byKeys: 0.65, range: [0, 2], unit: '×' },
  inference: { gridline: 40, keys: ['ArrowUp', 'ArrowUp', 'ArrowRight', 'PageUp'], byKeys: 90, range: [0, 100], unit: '%' },
  regularization: { gridline: 0, keys: ['PageDown', 'ArrowDown'], byKeys: 0.2, range: [-0.5, 1.5], unit: '×', precomputed: true },
};

let lab;
let browser;

test.before(async () => {
  assert.ok(wasmBuilt, 'web/generated/bnlab.mjs is missing: build the wasm first (bash scripts/build.sh wasm)');
  lab = await startServer();
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await lab?.close();
});

const waitDone = (page) => page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'done', visible, { timeout: runTimeoutMs, polling: 200 });
const slider = (page) => page.$eval(handleSel, (el) => ({ now: Number(el.getAttribute('aria-valuenow')), text: el.getAttribute('aria-valuetext'), placed: el.dataset.placed }));

// The client position of the prediction chart's horizontal gridline at `value` (drawn through the
// chart's y scale), in the column of the handle.
const gridlineAt = (page, value) => page.evaluate(([sel, v]) => {
  const svg = document.querySelector(sel).closest('svg');
  const tick = [...svg.querySelectorAll('.axes text.tick')].find((t) => Number(t.textContent) === v);
  const line = [...svg.querySelectorAll('.axes line')].find((l) => Math.abs(Number(l.getAttribute('y1')) - (Number(tick.getAttribute('y')) - 4)) < 1e-6 && l.getAttribute('y1') === l.getAttribute('y2'));
  const ctm = svg.getScreenCTM();
  const handle = document.querySelector(sel).getBoundingClientRect();
  const p = new DOMPoint(0, Number(line.getAttribute('y1'))).matrixTransform(ctm);
  return { x: handle.x + handle.width / 2, y: p.y, top: svg.getBoundingClientRect().top };
}, [handleSel, value]);

async function runUnlessPrecomputed(page, c) {
  if (c.precomputed) {
    assert.equal(await page.evaluate(() => window.bnlab.panels.get('regularization').result), null, 'scored against the precomputed sweep, before any own run');
    return;
  }
  if (!['done', 'running'].includes(await page.$eval(visible, (s) => s.dataset.state))) await page.click(`${visible} [data-action="run"]`);
  await waitDone(page);
}

// The page's score of the committed answer is the chapter's own measure and score of the run.
async function checkScored(page, chapter, expectedAnswer) {
  const check = await page.evaluate((id) => {
    const panel = window.bnlab.panels.get(id);
    const q = panel.chapter.predict;
    const entry = window.bnlab.predictions.entries.find((e) => e.chapter === id);
    const measured = q.measure(panel.result || panel.chapter.precomputed, { values: panel.values });
    return { entry, measured, expected: measured ? q.score(entry.answer, measured) : null, shown: document.querySelector(`[data-predict-score="${id}"]`)?.textContent };
  }, chapter);
  assert.equal(check.entry.answer, expectedAnswer);
  assert.ok(check.measured, `${chapter}: the run measured its answer`);
  assert.equal(check.entry.measured, check.measured.value);
  assert.equal(check.entry.score, check.expected.score);
  assert.match(check.shown, new RegExp(`^${Math.round(check.expected.score * 100)}% \\(`));
  // The point stays on its chart after the reveal, beside the measured one.
  const chart = await page.$eval(`${visible} [data-predict-chart="${chapter}"]`, (el) => ({
    locked: el.dataset.locked, measured: el.dataset.measured, inForm: !!el.closest('form'), shown: el.offsetParent !== null,
    mine: el.querySelector('[data-predict-point]').getAttribute('aria-label'), diamond: !!el.querySelector('.predict-point-measured'),
    label: el.querySelector('.predict-point-label.measured')?.textContent,
  }));
  assert.deepEqual({ locked: chart.locked, measured: chart.measured, inForm: chart.inForm, shown: chart.shown, diamond: chart.diamond },
    { locked: 'true', measured: 'yes', inForm: false, shown: true, diamond: true });
  assert.match(chart.mine, new RegExp(`^Your prediction: ${String(expectedAnswer).replace('.', '\\.')}`));
  assert.match(chart.label, /^measured: /);
  return check;
}

for (const [chapter, c] of Object.entries(cases)) {
  test(`chapter ${chapter}: a point placed by keyboard on the chart's handle is scored against the run's own number`, async () => {
    const { page, problems } = await openPage(browser.context, `${lab.url}#${chapter}`, lab.url);
    assert.equal(await page.$eval(visible, (s) => s.dataset.reveal), 'waiting');
    assert.equal((await slider(page)).placed, 'no');
    await page.focus(handleSel);
    for (const key of c.keys) await page.keyboard.press(key);
    const s = await slider(page);
    assert.equal(s.now, c.byKeys);
    assert.equal(s.placed, 'yes');
    assert.match(s.text, new RegExp(`^${String(c.byKeys).replace('.', '\\.')}`));
    assert.equal(await page.inputValue(fieldSel), String(c.byKeys), 'the typed field follows the handle');
    // Typing moves the handle back; an out-of-range number is one line and the point stays.
    await page.fill(fieldSel, String(c.range[1] * 3));
    assert.equal(await page.textContent(`${visible} .predict-error`), `Your prediction (${c.unit}) "${c.range[1] * 3}" must be between ${c.range[0]} and ${c.range[1]} ${c.unit}`);
    assert.equal((await slider(page)).now, c.byKeys);
    await page.fill(fieldSel, String(c.byKeys));
    assert.equal(await page.isVisible(`${visible} .predict-error`), false);
    await page.focus(handleSel);
    await page.keyboard.press('Enter');  // Enter on the handle commits
    assert.equal(await page.$eval(visible, (s) => s.dataset.reveal), 'shown');
    await runUnlessPrecomputed(page, c);
    await checkScored(page, chapter, c.byKeys);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test(`chapter ${chapter}: a point dragged with the pointer lands at the chart's scale and is scored against the run's own number`, async () => {
    const { page, problems } = await openPage(browser.context, `${lab.url}#${chapter}`, lab.url);
    await page.$eval(handleSel, (el) => el.scrollIntoView({ block: 'center' }));
    const start = await page.$eval(handleSel, (el) => { const r = el.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; });
    const grid = await gridlineAt(page, c.gridline);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    // beyond the top of the chart: one line, the point stops at the edge
    await page.mouse.move(start.x, grid.top - 40, { steps: 4 });
    assert.equal((await slider(page)).now, c.range[1]);
    assert.match(await page.textContent(`${visible} .predict-error`), new RegExp(`^Your prediction must be between ${c.range[0]} and ${c.range[1]} .+: the point stops at the chart's edge`));
    await page.mouse.move(grid.x, grid.y, { steps: 6 });
    await page.mouse.up();
    assert.equal((await slider(page)).now, c.gridline, 'dragged onto the gridline, the point takes its value');
    assert.equal(await page.inputValue(fieldSel), String(c.gridline));
    assert.equal(await page.isVisible(`${visible} .predict-error`), false, 'a placement inside the chart clears the line');
    await page.click(`${visible} [data-action="predict"]`);
    await runUnlessPrecomputed(page, c);
    await checkScored(page, chapter, c.gridline);
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('a tap on the chart places the point; axe finds nothing with the chart open, placed, or scored', async () => {
  const { page, problems } = await openPage(browser.context, `${lab.url}#noise`, lab.url);
  const found = [];
  const scan = async (when) => {
    const axe = await new AxeBuilder({ page }).analyze();
    for (const v of axe.violations) found.push(`${when}: ${v.id} (${v.impact}, ${v.nodes.length}): ${v.nodes[0]?.target.join(' ')}`);
  };
  await scan('chart open');
  await page.$eval(handleSel, (el) => el.scrollIntoView({ block: 'center' }));
  const grid = await gridlineAt(page, 1.5);
  await page.mouse.click(grid.x + 30, grid.y);
  assert.equal((await slider(page)).now, 1.5);
  await scan('point placed');
  await page.click(`${visible} [data-action="predict"]`);
  await waitDone(page);
  await scan('scored');
  assert.deepEqual(found, []);
  assert.deepEqual(problems, []);
  await page.close();
});
