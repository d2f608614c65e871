// Issue 16 in headless Chromium, every chapter of the page's registry as a student first meets it:
// without pressing Run, every chart has data (the chapter's opening run, its live view, or a
// precomputed result), and the takeaway's first sentence is there with every number it quotes shown
// in a chart's summary or note on screen.
import test from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useLab } from './browser.js';
import { testedChapters } from './chapters.js';

const lab = useLab();
const timeout = 240000;

// What the chapter shows: per chart its data marks (paths with data, cells of a field, image tiles)
// and its summary text, and the takeaway's headline. With `wait`: false until every chart has data
// and a summary, the headline has a number and the chapter's own run is no longer running (for
// waitForFunction: one self-contained function, since the page's CSP allows no evaluated strings).
function look({ sel, wait }) {
  const charts = [...document.querySelectorAll(`${sel} figure.chart`)].map((f) => {
    const svg = f.querySelector('svg.chart-svg');
    const paths = [...(svg?.querySelectorAll('path') || [])].filter((p) => (p.getAttribute('d') || '').length > 20).length;
    const rects = svg ? svg.querySelectorAll('rect').length : 0;
    const images = f.querySelectorAll('canvas, image, img').length;
    return {
      name: f.dataset.chart,
      marks: paths + Math.max(0, rects - 3) + images,
      text: `${f.querySelector('.chart-summary')?.textContent || ''} ${f.querySelector('.chart-note')?.textContent || ''}`.trim(),
    };
  });
  const headline = (document.querySelector(`${sel} [data-takeaway]`)?.textContent || '').trim();
  const running = document.querySelector(sel)?.dataset.state === 'running';
  const ready = !running && charts.length > 0 && charts.every((c) => c.marks > 0 && c.text.length > 0) && /\d/.test(headline);
  return wait && !ready ? false : { charts, headline };
}

for (const { id, settings, missing } of testedChapters) {
  test(`chapter ${id}: every chart has data before Run, and the takeaway's first sentence quotes only numbers on screen`, async (t) => {
    if (missing) {
      t.skip(missing);
      return;
    }
    const sel = `section[data-chapter="${id}"]`;
    const extra = ['predict=off', settings].filter(Boolean).join('&');
    const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#${id}?${extra}`, lab.server.url);
    // Nobody presses Run: wait for what the chapter shows by itself.
    await page.waitForFunction(look, { sel, wait: true }, { timeout, polling: 500 }).catch((e) => t.diagnostic(`not ready: ${e.message}`));
    const { charts: drawn, headline } = await page.evaluate(look, { sel, wait: false });
    assert.ok(drawn.length > 0, 'the chapter has charts');
    for (const chart of drawn) {
      assert.ok(chart.marks > 0, `${chart.name} has no data before Run`);
      assert.ok(chart.text.length > 0, `${chart.name} has no summary before Run`);
    }
    assert.ok(headline && !/Press Run/.test(headline), `headline: ${headline}`);
    assert.equal(headline.split(/(?<=[.!?])\s+(?=[A-Z])/).length, 1, `one sentence: ${headline}`);
    const onScreen = drawn.map((c) => c.text).join(' ');
    for (const number of headline.match(/\d+(?:,\d{3})*(?:\.\d+)?%?/g) || []) {
      assert.ok(onScreen.includes(number), `${number} of the headline is not in a chart summary: "${headline}" / ${onScreen}`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });
}
