// The page in headless Chromium: loads cleanly, every chapter runs and draws, the URL state
// round-trips, bad links are reported, fallbacks and embedding work. Screenshots of every chapter
// go to test-output/screenshots/.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { openPage, screenshotPath, useLab } from './browser.js';
import { chapterCount, testedChapters } from './chapters.js';

// Every chapter of the page's registry, with settings that keep its run short (chapters.js).
const runTimeoutMs = 180000;

// One server and one browser for this file (browser.js): lab.server.url, lab.browser.context.
const lab = useLab();

const visible = 'section.chapter:not([hidden])';

async function runToEnd(page, timeout = runTimeoutMs) {
  await page.click(`${visible} [data-action="run"]`);
  await page.waitForFunction((sel) => {
    const s = document.querySelector(sel)?.dataset.state;
    return s === 'done' || s === 'failed';
  }, visible, { timeout, polling: 250 });
  return page.$eval(visible, (el) => ({
    state: el.dataset.state,
    error: el.querySelector('.run-error')?.hidden ? '' : el.querySelector('.run-error')?.textContent,
    takeaway: el.querySelector('.takeaway')?.textContent,
  }));
}

// What each chart of the visible chapter has drawn: data marks inside its SVG.
async function drawnCharts(page) {
  return page.$$eval(`${visible} figure.chart`, (figures) => figures.map((f) => {
    const svg = f.querySelector('svg.chart-svg');
    const paths = [...(svg?.querySelectorAll('path') || [])].filter((p) => (p.getAttribute('d') || '').length > 20).length;
    const rects = svg ? svg.querySelectorAll('rect').length : 0;
    return { name: f.dataset.chart, marks: paths + Math.max(0, rects - 3), summary: f.querySelector('.chart-summary')?.textContent || '' };
  }));
}

test('the page loads with no console errors, no third-party requests and no serious axe violations', async () => {
  const { page, problems } = await openPage(lab.browser.context, lab.server.url, lab.server.url);
  const status = await page.textContent('#status');
  assert.match(status, /Ready/);
  assert.equal(await page.getAttribute('html', 'data-engine'), 'worker');
  assert.equal(await page.$$eval('section.chapter', (s) => s.length), chapterCount);
  assert.ok(chapterCount >= 8, `the page's registry has every chapter (${chapterCount})`);
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
  const serious = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.length} nodes`), []);
  assert.deepEqual(problems, []);
  await page.close();
});

for (const { id: chapter, settings, missing } of testedChapters) {
  test(`chapter ${chapter} runs, draws its plots and computes a takeaway`, async (t) => {
    if (missing) {
      t.skip(missing);
      return;
    }
    const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#${chapter}${settings ? `?${settings}` : ''}`, lab.server.url);
    const outcome = await runToEnd(page);
    assert.equal(outcome.state, 'done', outcome.error);
    assert.ok(outcome.takeaway && !/Press Run/.test(outcome.takeaway), `takeaway: ${outcome.takeaway}`);
    const charts = await drawnCharts(page);
    assert.ok(charts.length > 0);
    for (const chart of charts) {
      assert.ok(chart.marks > 0, `${chart.name} drew nothing`);
      assert.ok(chart.summary.length > 0, `${chart.name} has no text summary`);
    }
    await page.screenshot({ path: screenshotPath(`${chapter}-1200`), fullPage: true });
    await page.setViewportSize({ width: 320, height: 800 });
    await page.waitForTimeout(400);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 320, `horizontal scroll at 320px: ${overflow}`);
    await page.screenshot({ path: screenshotPath(`${chapter}-320`), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('changing the mini-batch size from 64 to 512 changes the run and the noise sweep view', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#speed?batch=64`, lab.server.url);
  await runToEnd(page);
  const small = await page.evaluate(() => {
    const r = window.bnlab.panels.get('speed').result;
    return { batch: r.spec.train.batch_size, loss: Array.from(r.nets.bn.train_loss) };
  });
  await page.selectOption(`${visible} select[name="batch"]`, '512');
  assert.match(page.url(), /batch=512/);
  await runToEnd(page);
  const large = await page.evaluate(() => {
    const r = window.bnlab.panels.get('speed').result;
    return { batch: r.spec.train.batch_size, loss: Array.from(r.nets.bn.train_loss) };
  });
  assert.equal(small.batch, 64);
  assert.equal(large.batch, 512);
  assert.notDeepEqual(small.loss, large.loss);

  await page.goto(`${lab.server.url}#noise?inspect=64`);
  await runToEnd(page);
  const histogram = () => page.$eval('[data-chart="noise-histogram"] .chart-summary', (el) => el.textContent);
  const at64 = await histogram();
  await page.selectOption(`${visible} select[name="inspect"]`, '512');
  const at512 = await histogram();
  assert.notEqual(at64, at512);
  assert.match(at512, /512/);
  assert.equal(await page.$eval(visible, (el) => el.dataset.state), 'done', 'a display setting must not restart the run');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the URL state round-trips and reproduces the same numbers', async () => {
  const url = `${lab.server.url}#speed?lr=0.3&batch=128&momentum=0.5&seed=7`;
  const { page, problems } = await openPage(lab.browser.context, url, lab.server.url);
  // the settings' fields (not the "Predict first" answer's radios, which predict= governs)
  const read = () => page.$$eval(`${visible} select:not(.predict *), ${visible} input:not(.predict *)`, (els) => Object.fromEntries(els.map((e) => [e.name, e.type === 'checkbox' ? e.checked : e.value])));
  assert.deepEqual(await read(), { lr: '0.3', batch: '128', momentum: '0.5', seed: '7' });
  const first = await runToEnd(page);
  await page.selectOption(`${visible} select[name="lr"]`, '0.03');
  await page.waitForFunction(() => window.location.hash === '#speed?lr=0.03&batch=128&momentum=0.5&seed=7', null, { timeout: 5000 })
    .catch(() => {});
  assert.ok(page.url().endsWith('#speed?lr=0.03&batch=128&momentum=0.5&seed=7'), page.url());
  await page.selectOption(`${visible} select[name="lr"]`, '0.3');
  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  assert.deepEqual(await read(), { lr: '0.3', batch: '128', momentum: '0.5', seed: '7' });
  const second = await runToEnd(page);
  assert.equal(second.takeaway, first.takeaway);
  await page.click('a[data-nav="shift"]');
  // The chapter writes its state into the hash once its panel is set up: wait for it (5 s at most).
  await page.waitForFunction(() => /^#shift\?/.test(window.location.hash), null, { timeout: 5000 });
  assert.match(page.url(), /#shift\?/);
  await page.goBack();
  await page.waitForFunction(() => /#speed\?lr=0\.3/.test(window.location.hash));
  assert.equal(await page.$eval(visible, (el) => el.dataset.chapter), 'speed');
  assert.deepEqual(problems, []);
  await page.close();
});

test('bad values in the URL are reported and replaced by defaults; the page keeps working', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#speed?lr=banana&batch=7&seed=-1&zzz=1`, lab.server.url);
  const notices = await page.$$eval('#notices li span', (els) => els.map((e) => e.textContent));
  assert.equal(notices.length, 4, notices.join('\n'));
  assert.match(notices.join('\n'), /Learning rate "banana"/);
  assert.match(notices.join('\n'), /unknown setting "zzz"/);
  assert.ok(await page.isVisible('#notices'));
  assert.equal(await page.inputValue(`${visible} select[name="batch"]`), '64');
  assert.doesNotMatch(page.url(), /banana|zzz/);
  await page.goto(`${lab.server.url}#no-such-chapter`);
  await page.waitForFunction(() => document.querySelectorAll('#notices li').length >= 5);
  assert.equal(await page.$eval(visible, (el) => el.dataset.chapter), 'speed');
  await page.fill(`${visible} input[name="seed"]`, '1.5');
  await page.press(`${visible} input[name="seed"]`, 'Tab');
  assert.equal(await page.getAttribute(`${visible} input[name="seed"]`, 'aria-invalid'), 'true');
  await page.click(`${visible} [data-action="step"]`);
  await page.waitForFunction((sel) => Number(document.querySelector(`${sel} progress`).value) > 0, visible);
  assert.deepEqual(problems, []);
  await page.close();
});

test('charts export CSV, JSON, SVG and PNG', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#noise?predict=off`, lab.server.url);
  await runToEnd(page);
  const chart = '[data-chart="noise-mean-noise"]';
  const grab = async (label) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${chart} .export button:text-is("${label}")`)]);
    return fs.readFileSync(await download.path());
  };
  assert.match((await grab('CSV')).toString(), /^series,mini-batch size m,/);
  assert.ok(Array.isArray(JSON.parse((await grab('JSON')).toString())));
  assert.match((await grab('SVG')).toString(), /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const png = await grab('PNG');
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  await page.click(`${chart} details.data-table summary`);
  await page.waitForSelector(`${chart} table tbody tr`);
  assert.ok(await page.$$eval(`${chart} table tbody tr`, (rows) => rows.length) > 3);
  assert.deepEqual(problems, []);
  await page.close();
});

test('without a worker the main thread runs the lab in slices', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}?engine=main-thread#noise`, lab.server.url);
  assert.equal(await page.getAttribute('html', 'data-engine'), 'main-thread');
  assert.match(await page.textContent('#status'), /main thread/);
  const outcome = await runToEnd(page);
  assert.equal(outcome.state, 'done');
  assert.deepEqual(problems, []);
  await page.close();
});

test('embedded in a sandboxed frame, the lab runs, reports its height and obeys the host', async () => {
  const { page, problems } = await (async () => {
    const p = await lab.browser.context.newPage();
    const issues = [];
    p.on('pageerror', (e) => issues.push(e.message));
    p.on('console', (m) => m.type() === 'error' && issues.push(m.text()));
    await p.goto(`${lab.server.url}embed-demo.html`);
    return { page: p, problems: issues };
  })();
  const frame = page.frameLocator('#lab');
  await frame.locator('html[data-ready="true"]').waitFor({ timeout: 30000 });
  const engine = await frame.locator('html').getAttribute('data-engine');
  assert.ok(['blob-worker', 'main-thread'].includes(engine), engine);
  await page.waitForFunction(() => window.bnlabHost.heights.length > 0);
  await page.click('#host-play');
  await frame.locator('section.chapter[data-chapter="noise"][data-state="done"]').waitFor({ timeout: runTimeoutMs });
  await page.click('#host-preset');
  await frame.locator('section.chapter[data-chapter="noise"] select[name="inspect"]').evaluate((el) => el.value === '256' || new Promise((resolve) => el.addEventListener('change', resolve)));
  assert.equal(await frame.locator('section.chapter[data-chapter="noise"] select[name="inspect"]').inputValue(), '256');
  await page.screenshot({ path: screenshotPath('embed-demo'), fullPage: false });
  assert.deepEqual(problems, []);
  await page.close();
});
