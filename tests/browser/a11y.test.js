// Accessibility that holds during and after a run, in headless Chromium: axe finds nothing (any
// impact) on every chapter after a run with the data tables open; Run keeps the focus while it
// is unavailable; progress is announced in quarters; the skip link keeps the reader on their
// chapter; one h1; JavaScript off shows what the lab is; reduced motion stops the animation.
import test from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { launch, openPage, useLab } from './browser.js';
import { chapterCount, testedChapters } from './chapters.js';

// One server and one browser for this file (browser.js): lab.server.url, lab.browser.context.
const lab = useLab();

const visible = 'section.chapter:not([hidden])';
const waitState = (page, states, timeout = 240000) => page.waitForFunction(([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state), [visible, states], { timeout, polling: 100 });

test('axe finds no violation of any impact on any chapter after a run, with every data table open', async (t) => {
  const { page, problems } = await openPage(lab.browser.context, lab.server.url, lab.server.url);
  const found = [];
  const visited = [];
  for (const { id: chapter, settings, missing } of testedChapters) {
    if (missing) {
      t.diagnostic(`${chapter} not checked: ${missing}`);
      continue;
    }
    visited.push(chapter);
    await page.goto(`${lab.server.url}#${chapter}?${settings ? `${settings}&` : ''}predict=off`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    await page.click(`${visible} [data-action="run"]`);
    await waitState(page, ['done']);
    await page.$$eval(`${visible} details.data-table`, (all) => all.forEach((d) => { d.open = true; }));
    await page.waitForFunction((sel) => [...document.querySelectorAll(`${sel} details.data-table`)].every((d) => d.querySelector('table, p')), visible);
    const axe = await new AxeBuilder({ page }).analyze();
    for (const v of axe.violations) found.push(`${chapter}: ${v.id} (${v.impact}, ${v.nodes.length}): ${v.nodes[0]?.target.join(' ')}`);
  }
  assert.deepEqual(found, []);
  assert.deepEqual(problems, []);
  await page.close();
  // A chapter that could not run here (its data missing) makes the whole check a skip, not a pass.
  if (visited.length < chapterCount) t.skip(`checked ${visited.join(', ')} only: see the diagnostics`);
});

test('Run keeps the focus while the run goes on; progress is announced in quarters; one h1', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#regularization?seeds=1&epochs=200`, lab.server.url);
  assert.equal(await page.$$eval('h1', (all) => all.length), 1);
  await page.focus(`${visible} [data-action="run"]`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.state === 'running', visible);
  const during = await page.evaluate(() => ({
    focused: document.activeElement?.dataset.action, unavailable: document.activeElement?.getAttribute('aria-disabled'),
  }));
  assert.deepEqual(during, { focused: 'run', unavailable: 'true' });
  const said = [];
  await page.exposeFunction('__said', (text) => said.push(text));
  await page.$eval(`${visible} [data-progress-live]`, (el) => new MutationObserver(() => window.__said(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true }));
  // a second Enter on the unavailable Run does nothing (no restart)
  await page.keyboard.press('Enter');
  await waitState(page, ['done']);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'run');
  assert.deepEqual(said.filter((t, i) => said.indexOf(t) === i).map((t) => t.match(/\d+%/)?.[0]), ['25%', '50%', '75%'].filter((p) => said.some((t) => t.includes(p))));
  assert.ok(said.length >= 1 && said.length <= 3, `announcements: ${said.join(' | ')}`);
  assert.match(await page.textContent('#status'), /finished/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the skip link keeps the reader on the chapter they are on', async () => {
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}#noise`, lab.server.url);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip-link');
  await page.keyboard.press('Enter');
  const where = await page.evaluate(() => ({
    chapter: document.querySelector('section.chapter:not([hidden])')?.dataset.chapter,
    focus: document.activeElement?.id, hash: window.location.hash, notices: document.querySelectorAll('#notices li').length,
  }));
  assert.deepEqual(where, { chapter: 'noise', focus: 'title-noise', hash: where.hash, notices: 0 });
  assert.match(where.hash, /^#noise/);
  // a "#chapters" link followed some other way (e.g. pasted) stays on the chapter too
  await page.evaluate(() => { window.location.hash = '#chapters'; });
  await page.waitForFunction(() => /^#noise/.test(window.location.hash));
  assert.equal(await page.$eval(visible, (el) => el.dataset.chapter), 'noise');
  assert.equal(await page.$$eval('#notices li', (all) => all.length), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('JavaScript off: the page says what the lab is and summarizes each chapter', async () => {
  const ctx = await launch({ javaScriptEnabled: false });
  try {
    const page = await ctx.context.newPage();
    await page.goto(lab.server.url);
    const text = await page.textContent('main');
    assert.match(text, /needs JavaScript and WebAssembly/);
    assert.equal(await page.$$eval('.static-chapters li', (all) => all.length), chapterCount);
    assert.doesNotMatch(await page.textContent('body'), /Loading/);
    await page.close();
  } finally {
    await ctx.close();
  }
});

test('reduced motion: the activity pulse does not animate', async () => {
  const ctx = await launch({ reducedMotion: 'reduce' });
  try {
    const { page, problems } = await openPage(ctx.context, `${lab.server.url}#regularization?seeds=1&epochs=200`, lab.server.url);
    await page.click(`${visible} [data-action="run"]`);
    await page.waitForSelector('#activity:not([hidden])');
    const animation = await page.$eval('#activity', (el) => getComputedStyle(el, '::before').animationName);
    assert.equal(animation, 'none');
    await page.click(`${visible} [data-action="pause"]`);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await ctx.close();
  }
});
