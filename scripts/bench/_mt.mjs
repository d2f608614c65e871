import { openBrowser } from '/work/wt/transport/scripts/bench/browser.mjs';
const b = await openBrowser('/work/wt/transport', 5303);
for (const engine of ['main-thread', 'blob-worker']) {
  const page = await b.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${b.url}?engine=${engine}#noise`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  const sel = 'section.chapter:not([hidden])';
  if (await page.$eval(sel, (el) => el.dataset.state) === 'idle') await page.click(`${sel} [data-action="run"]`);
  await page.waitForFunction((s) => document.querySelector(s)?.dataset.state === 'done', sel, { timeout: 240000, polling: 500 });
  const info = await page.evaluate(() => ({ kind: window.bnlab.runner.kind, takeaway: document.querySelector('section.chapter:not([hidden]) .takeaway')?.textContent, isArray: Array.isArray(window.bnlab.panels.get('noise').result?.batch_sizes) }));
  await page.screenshot({ path: `/work/notes/shots/transport-${engine}-noise.png`, fullPage: true });
  console.log(engine, JSON.stringify(info), errors);
  await page.close();
}
await b.close();
