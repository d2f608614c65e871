// Issue 16 in headless Chromium, chapter 3b: the noise-effect chart (BN with mini-batch statistics
// against the same BN net with whole-set statistics), its precomputed sweep on open, the slider's
// points (512 = N shown as full batch, not as a measured zero), the takeaway's headline and the
// region legend.
import test from 'node:test';
import assert from 'node:assert/strict';
import { openPage, screenshotPath, useLab } from './browser.js';

const lab = useLab();
const timeout = 240000;
const sel = 'section[data-chapter="regularization"]';

async function waitLive(page, batch) {
  await page.waitForFunction(({ s, b }) => {
    const el = document.querySelector(s);
    return (el?.dataset.live === 'done' && el.dataset.liveKey === String(b)) || el?.dataset.live === 'failed';
  }, { s: sel, b: batch }, { timeout, polling: 100 });
  return page.$eval(sel, (s) => ({
    live: s.dataset.live,
    error: s.querySelector('.live .run-error')?.hidden ? '' : s.querySelector('.live .run-error')?.textContent,
    text: s.querySelector('.live-takeaway')?.textContent || '',
    noise: s.querySelector('figure[data-chart="regularization-noise"] .chart-summary')?.textContent || '',
    noiseNote: s.querySelector('figure[data-chart="regularization-noise"] .chart-note, figure[data-chart="regularization-noise"] [class*="note"]')?.textContent || '',
    visits: [...window.bnlab.panels.get('regularization').visits.values()].map((v) => ({ key: v.key, noise: v.noise, full: v.full })),
  }));
}

async function setSlider(page, value) {
  await page.$eval(`${sel} input[name="batch"]`, (input, v) => {
    input.value = String(v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

// The data table of a chart, opened and read as rows of cell texts.
async function tableRows(page, chart) {
  return page.$eval(`${sel} figure[data-chart="regularization-${chart}"]`, (f) => {
    const d = f.querySelector('details.data-table');
    d.open = true;
    d.dispatchEvent(new Event('toggle'));
    return [...f.querySelectorAll('table tr')].map((tr) => [...tr.children].map((c) => c.textContent.trim()));
  });
}

// Long paths (curves) and markers of a chart's SVG: its data marks.
const dataMarks = (page, chart) => page.$eval(`${sel} figure[data-chart="regularization-${chart}"] svg.chart-svg`,
  (svg) => [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') || '').length > 20).length);

test('3b\'s sweep charts have data before Run: the precomputed preset sweep, marked as such', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#regularization`, lab.server.url);
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.drawn === 'true', sel, { timeout, polling: 100 });
  const state = await page.$eval(sel, (s) => s.dataset.state);
  assert.equal(state, 'idle', 'nothing was run');
  for (const chart of ['noise', 'gap', 'clean', 'curves']) {
    const marks = await dataMarks(page, chart);
    assert.ok(marks > 0, `chart ${chart} drew data before Run (${marks} marks)`);
    const summary = await page.$eval(`${sel} figure[data-chart="regularization-${chart}"] .chart-summary`, (e) => e.textContent);
    assert.match(summary, /[Pp]recomputed/, `chart ${chart}'s summary says the data are precomputed: ${summary}`);
  }
  const noise = await page.$eval(`${sel} figure[data-chart="regularization-noise"]`, (f) => f.textContent);
  assert.match(noise, /Precomputed \(preset, \d+ seeds\) — press Run to compute your own/);
  // 512 = N is marked, not plotted: its row in the table is the mark, not a number.
  const rows = await tableRows(page, 'noise');
  assert.ok(rows.some((r) => r[0] === 'full batch: no noise' && r[1] === '512'), JSON.stringify(rows));
  assert.ok(!rows.some((r) => /BN's noise: gap/.test(r[0]) && r[1] === '512'), 'no measured zero plotted at 512');
  assert.ok(rows.some((r) => /BN's noise: gap/.test(r[0]) && r[1] === '64' && Number(r[2]) > 0), 'the effect at 64 is drawn');
  assert.deepEqual(problems, []);
  await page.close();
});

test('3b\'s slider at 64 and 512 adds two points to the noise-effect chart, 512 shown as full batch', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#regularization`, lab.server.url);
  const at64 = await waitLive(page, 64);
  assert.equal(at64.live, 'done', at64.error);
  assert.equal(at64.visits.length, 1);
  assert.ok(Number.isFinite(at64.visits[0].noise), 'the noise effect at 64 is measured');
  assert.match(at64.noise, /Your slider visits \(one seed\): 64: −?\d\.\d+\./);
  assert.match(at64.text, /BN's noise changed the gap by −?\d\.\d+ \(whole-set BN \d\.\d+ − mini-batch BN \d\.\d+\)/);
  await page.screenshot({ path: screenshotPath('regularization-noise-64'), fullPage: false });

  await setSlider(page, 512);
  const at512 = await waitLive(page, 512);
  assert.equal(at512.live, 'done', at512.error);
  assert.deepEqual(at512.visits.map((v) => v.key).sort((a, b) => a - b), [64, 512]);
  const full = at512.visits.find((v) => v.key === 512);
  assert.equal(full.full, true);
  assert.ok(!Number.isFinite(full.noise), 'no noise effect is reported at the full batch');
  assert.match(at512.noise, /Your slider visits \(one seed\): 64: −?\d\.\d+; 512: full batch, no noise\./);
  const rows = await tableRows(page, 'noise');
  const visitRows = rows.filter((r) => /slider visits/.test(r[0]));
  assert.deepEqual(visitRows.map((r) => r[1]), ['64'], 'the 64 visit is a plotted point');
  assert.ok(rows.some((r) => r[0] === 'full batch: no noise' && r[1] === '512'), 'the 512 visit is the full-batch mark');
  assert.match(at512.text, /Batch 512 is the whole 512-example training set: full-batch BN/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('3b\'s takeaway opens with one sentence whose numbers the noise chart shows; the callout explains BN vs no BN', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#regularization`, lab.server.url);
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.drawn === 'true', sel, { timeout, polling: 100 });
  const out = await page.$eval(sel, (s) => ({
    headline: s.querySelector('[data-takeaway="regularization"]')?.textContent || '',
    callout: s.querySelector('[data-callout="regularization"]')?.textContent || '',
    calloutHidden: s.querySelector('[data-callout="regularization"]')?.hidden,
    summaries: [...s.querySelectorAll('.chart-summary')].map((e) => e.textContent).join(' \n '),
    noise: s.querySelector('figure[data-chart="regularization-noise"] .chart-summary')?.textContent || '',
  }));
  assert.match(out.headline, /BN's noise cut the overfitting gap by \d\.\d+ at batch 64/);
  assert.match(out.headline, /by nothing at 512/);
  // One sentence: a single full stop at the end (numbers aside).
  assert.equal(out.headline.replace(/\d\.\d+/g, 'N').split('. ').length, 1, out.headline);
  for (const n of out.headline.match(/\d+(\.\d+)?/g)) assert.ok(out.noise.includes(n), `${n} of the headline is in the noise chart's summary: ${out.noise}`);
  assert.equal(out.calloutHidden, false);
  assert.match(out.callout, /fits faster|fit faster/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('3b\'s region legend names the two predicted regions and the four kinds of points apart', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#regularization`, lab.server.url);
  const live = await waitLive(page, 64);
  assert.equal(live.live, 'done', live.error);
  const legends = await page.$$eval(`${sel} figure[data-chart^="regularization-regions"]`, (figs) => figs.map((f) => ({
    items: [...f.querySelectorAll('.legend li')].map((li) => li.textContent),
    description: f.textContent,
  })));
  assert.ok(legends.length >= 2);
  for (const l of legends) {
    assert.deepEqual(l.items.filter((t) => /^region/.test(t)).length, 2, l.items.join(' | '));
    assert.ok(!l.items.some((t) => /region predicted as label \d, flipped/.test(t)), 'no region of a flipped label');
    assert.equal(l.items.filter((t) => /^points:/.test(t)).length, 4);
    assert.doesNotMatch(l.description, /squares and diamonds are the flipped/);
  }
  await page.screenshot({ path: screenshotPath('regularization-regions'), fullPage: false });
  assert.deepEqual(problems, []);
  await page.close();
});
