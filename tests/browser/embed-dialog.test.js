// The Embed dialog: its snippet for the chapter on screen carries the state, a title, a size and
// the sandbox flags; pasted as is into a plain page on another origin (no host script) it shows
// that one chapter, locked, trains in a worker, and the host page passes axe.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import AxeBuilder from '@axe-core/playwright';
import { closeServer, launch, openPage, screenshotPath, startServer, wasmBuilt } from './browser.js';
import { suggestedHeight } from '../../web/src/ui/embed-dialog.js';

// The dialog suggests the chapter's own height (measured in the embedded layout).
const noiseHeight = suggestedHeight('noise');

let lab;
let browser;

test.before(async () => {
  assert.ok(wasmBuilt, 'web/generated/bnlab.mjs is missing: build the wasm first (npm run build)');
  lab = await startServer();
  browser = await launch();
});

test.after(async () => {
  await browser?.close();
  await lab?.close();
});

test('the snippet from the Embed dialog works pasted into a plain page on another origin', async () => {
  const { page, problems } = await openPage(browser.context, `${lab.url}#noise?inspect=256`, lab.url);
  await page.click('[data-action="embed"]');
  assert.ok(await page.isVisible('dialog.embed-dialog'));
  assert.equal(await page.evaluate(() => document.activeElement?.closest('dialog') !== null), true, 'focus moves into the dialog');
  await page.selectOption('#embed-controls', 'lock');
  const snippet = await page.inputValue('#embed-snippet');
  assert.match(snippet, new RegExp(String.raw`^<iframe src="http:\/\/127\.0\.0\.1:\d+\/(index\.html)?#noise\?[^"]*inspect=256[^"]*&amp;nav=0&amp;controls=lock" title="BN Lab, chapter 3a: Noise" width="100%" height="${noiseHeight}" [^>]*sandbox="allow-scripts allow-downloads"[^>]*><\/iframe>$`));
  const link = await page.getAttribute('#embed-link', 'href');
  assert.match(link, /#noise\?.*nav=0&controls=lock$/);
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('dialog.embed-dialog'), false);
  await page.close();

  const host = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    .end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Week 5</title></head><body><main><h1>Week 5: batch normalization</h1><p>Try the lab:</p>${snippet}</main></body></html>`));
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  try {
    const course = await browser.context.newPage();
    course.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await course.goto(`http://localhost:${host.address().port}/`);
    const frame = course.frameLocator('iframe');
    await frame.locator('html[data-ready="true"]').waitFor({ timeout: 60000 });
    const labFrame = course.frames().find((f) => f.url().startsWith(lab.url));
    const inside = await labFrame.evaluate(() => ({
      engine: document.documentElement.dataset.engine,
      chapter: document.querySelector('section.chapter:not([hidden])')?.dataset.chapter,
      navShown: getComputedStyle(document.querySelector('.chapter-links')).display !== 'none',
      locked: document.querySelector('section.chapter:not([hidden]) select[name="inspect"]').disabled,
      inspect: document.querySelector('section.chapter:not([hidden]) select[name="inspect"]').value,
      notices: document.querySelectorAll('#notices li').length,
    }));
    assert.deepEqual(inside, { engine: 'blob-worker', chapter: 'noise', navShown: false, locked: true, inspect: '256', notices: 0 });
    const box = await course.$eval('iframe', (f) => ({ w: f.getBoundingClientRect().width, h: f.getBoundingClientRect().height }));
    assert.ok(box.h >= noiseHeight && box.h <= noiseHeight + 4 && box.w > 600, `frame ${box.w} x ${box.h}`);
    await labFrame.click('section.chapter:not([hidden]) [data-action="run"]');
    await labFrame.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'done', null, { timeout: 180000 });
    const axe = await new AxeBuilder({ page: course }).analyze();
    assert.deepEqual(axe.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
    await course.screenshot({ path: screenshotPath('embed-snippet-plain-page') });
    assert.deepEqual(problems, []);
    await course.close();
  } finally {
    await closeServer(host);
  }
});

test('controls=hide: no setting is shown, Run still trains with the linked settings; the plain link opens them in a new tab', async () => {
  const { page, problems } = await openPage(browser.context, `${lab.url}#noise?inspect=256`, lab.url);
  await page.click('[data-action="embed"]');
  await page.selectOption('#embed-controls', 'hide');
  const link = await page.getAttribute('#embed-link', 'href');
  assert.match(link, /#noise\?.*inspect=256.*controls=hide$/);
  // The plain link, as a reader clicks it: a new tab with the same chapter, settings and option.
  const [tab] = await Promise.all([browser.context.waitForEvent('page'), page.click('#embed-link')]);
  tab.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await tab.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  assert.equal(tab.url(), link);
  const shown = await tab.evaluate(() => {
    const section = document.querySelector('section.chapter:not([hidden])');
    const visible = (el) => !!el && getComputedStyle(el).display !== 'none' && el.getClientRects().length > 0;
    return {
      controls: document.documentElement.dataset.controls,
      chapter: section.dataset.chapter,
      inspect: section.querySelector('select[name="inspect"]').value,
      formsShown: [...section.querySelectorAll('form.controls')].filter(visible).length,
      // the settings' fields (the "Predict first" answer field is not a setting: predict= governs it)
      inputsShown: [...section.querySelectorAll('input, select')].filter((el) => !el.closest('.predict')).filter(visible).length,
      runShown: visible(section.querySelector('[data-action="run"]')),
    };
  });
  assert.deepEqual(shown, { controls: 'hide', chapter: 'noise', inspect: '256', formsShown: 0, inputsShown: 0, runShown: true });
  await tab.click('section.chapter:not([hidden]) [data-action="run"]');
  await tab.waitForFunction(() => document.querySelector('section.chapter:not([hidden])')?.dataset.state === 'done', null, { timeout: 180000 });
  assert.match(await tab.textContent('section.chapter:not([hidden]) [data-takeaway]'), /\d/);
  await tab.setViewportSize({ width: 375, height: 800 });
  await tab.screenshot({ path: screenshotPath('embed-controls-hide-375') });
  assert.deepEqual(problems, []);
  await tab.close();
  await page.close();
});
