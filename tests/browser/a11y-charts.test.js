// Charts during a run, in headless Chromium: a focused chart keeps focus while live updates
// redraw it, the arrow keys read values into a live region the SVG is described by, the decision
// regions are a few paths that the keyboard can read, a tap reads a value, category axes give
// names in the data, and no legend tells series apart by colour alone.
import test from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, useLab } from './browser.js';

// One server and one browser for this file (browser.js): lab.server.url, lab.browser.context.
const lab = useLab();

const visible = 'section.chapter:not([hidden])';

async function waitState(page, states, timeout = 180000) {
  await page.waitForFunction(([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state), [visible, states], { timeout, polling: 100 });
}

test('keyboard walk during a run: the chart keeps focus, the read-out follows the keys and is announced', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#speed?lr=0.01&batch=64&momentum=0.9&seed=3&predict=off`, lab.server.url);
  const chart = `${visible} [data-chart="speed-loss"] svg.chart-svg`;
  // The chapter shows its preset by itself on open; Run replaces that run and its charts, so wait
  // for the charts of the user's run (a new SVG), not the opening run's.
  await page.waitForSelector(chart);
  await page.$eval(chart, (svg) => { window.__opening = svg; });
  await page.click(`${visible} [data-action="run"]`);
  await page.waitForFunction((sel) => {
    const svg = document.querySelector(sel);
    return svg && svg !== window.__opening && svg.querySelectorAll('path').length > 1;
  }, chart);
  await page.focus(chart);
  // the SVG element itself must survive the updates (it is redrawn in place, not replaced)
  await page.$eval(chart, (svg) => { window.__chart = svg; });
  await page.keyboard.press('End');
  const readout = `${visible} [data-chart="speed-loss"] .chart-readout`;
  const first = await page.textContent(readout);
  assert.match(first, /training step: \d+/);
  const updatesBefore = await page.evaluate(() => window.bnlab.panels.get('speed').result?.nets?.bn?.step?.length ?? 0);
  await page.waitForTimeout(800);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('End');
  const after = await page.evaluate((sel) => ({
    same: document.querySelector(sel) === window.__chart,
    focused: document.activeElement === window.__chart,
    state: document.querySelector('section.chapter:not([hidden])')?.dataset.state,
    described: (window.__chart.getAttribute('aria-describedby') || '').split(' ')
      .map((id) => document.getElementById(id)?.getAttribute('aria-live') || document.getElementById(id)?.className),
  }), chart);
  assert.ok(after.same, 'the chart SVG was replaced during the run');
  assert.ok(after.focused, 'focus left the chart during the run');
  assert.deepEqual(after.described, ['polite', 'chart-summary'], 'the SVG is described by the live read-out and the summary');
  const second = await page.textContent(readout);
  assert.match(second, /with BN: [\d.]+/);
  assert.ok(updatesBefore >= 0);
  const focusedTag = await page.evaluate(() => document.activeElement?.tagName.toLowerCase());
  assert.equal(focusedTag, 'svg');
  await waitState(page, ['done']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('decision regions: a few paths, arrow keys move a cursor that reads class and confidence, the table names the class', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#speed?predict=off`, lab.server.url);
  await page.click(`${visible} [data-action="run"]`);
  await waitState(page, ['done']);
  const field = `${visible} [data-chart="speed-boundary-bn"]`;
  const shape = await page.$eval(`${field} svg.chart-svg`, (svg) => ({
    rects: svg.querySelectorAll('rect').length, regions: svg.querySelectorAll('path[data-class]').length,
  }));
  assert.ok(shape.regions >= 2 && shape.regions <= 30, `region paths: ${shape.regions}`);
  assert.ok(shape.rects < 10, `rects: ${shape.rects}`);
  await page.focus(`${field} svg.chart-svg`);
  await page.keyboard.press('ArrowRight');
  const one = await page.textContent(`${field} .chart-readout`);
  assert.match(one, /^\(-?[\d.]+, -?[\d.]+\): predicted class [01], confidence \d+(\.\d)?%$/);
  await page.keyboard.press('Shift+ArrowUp');
  const two = await page.textContent(`${field} .chart-readout`);
  assert.notEqual(one, two);
  // the data table and CSV name the class
  await page.click(`${field} details.data-table summary`);
  await page.waitForSelector(`${field} table tbody tr td:nth-child(4)`);
  const cell = await page.$eval(`${field} table tbody tr td:nth-child(4)`, (td) => td.textContent);
  assert.match(cell, /^class [01]$/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('category axes give names in tables; a tap on a chart reads a value at 320 px', async () => {
  const ctx = await launch({ viewport: { width: 320, height: 800 }, hasTouch: true, isMobile: true });
  try {
    const { page, problems } = await openPage(ctx.context, `${lab.server.url}#shift?predict=off`, lab.server.url);
    await page.click(`${visible} [data-action="run"]`);
    await waitState(page, ['done']);
    const chart = `${visible} [data-chart="shift-accuracy"]`;
    const target = chart;
    await page.click(`${target} details.data-table summary`);
    await page.waitForSelector(`${target} table tbody tr td:nth-child(2)`);
    const xs = await page.$$eval(`${target} table tbody tr td:nth-child(2)`, (tds) => tds.map((td) => td.textContent));
    assert.ok(xs.some((x) => /[a-z]/i.test(x)), `category names in the table: ${xs.slice(0, 5).join(', ')}`);
    const svg = page.locator(`${target} svg.chart-svg`);
    const box = await svg.boundingBox();
    await svg.tap({ position: { x: box.width * 0.5, y: box.height * 0.4 } });
    const read = await page.textContent(`${target} .chart-readout`);
    assert.match(read, /test set: [a-z]/i);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `horizontal scroll at 320 px: ${width}`);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await ctx.close();
  }
});

test('no legend tells two entries apart by colour alone', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#inference?predict=off`, lab.server.url);
  const clashes = await page.evaluate(() => {
    const out = [];
    for (const legend of document.querySelectorAll('.legend')) {
      const seen = new Map();
      for (const li of legend.querySelectorAll('li')) {
        const svg = li.querySelector('svg');
        const line = svg?.querySelector('line');
        const marker = svg?.querySelector('path');
        const band = svg?.querySelector('rect');
        const key = [line?.getAttribute('stroke-dasharray') || '', marker?.getAttribute('d')?.replace(/[\d.-]+/g, '#') || '', band ? 'band' : ''].join('|');
        if (seen.has(key)) out.push(`${legend.getAttribute('aria-label')}: "${seen.get(key)}" and "${li.textContent}"`);
        else seen.set(key, li.textContent);
      }
    }
    return out;
  });
  assert.deepEqual(clashes, []);
  assert.deepEqual(problems, []);
  await page.close();
});
