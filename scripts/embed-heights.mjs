// Measures each chapter's height in the embedded layout (nav=0, a 1000 px wide frame), the figure
// behind chapterHeights in web/src/ui/embed-dialog.js: after the chapter's opening run, with
// predict=off, and with predict=ask before and after a prediction is committed (the question box,
// then its outcome with the score, the explanation and, for a point question, its chart).
// A chapter that does not run by itself when it opens (3b, which shows its precomputed sweep) is
// measured as it opens. Needs the built page (bash scripts/build.sh wasm; node scripts/build-page.mjs).
//
//   node scripts/embed-heights.mjs [chapter ...]     prints one JSON line per chapter
import { commitMiddleAnswer, launch, startServer } from '../tests/browser/browser.js';
import { chapterHeights } from '../web/src/ui/embed-dialog.js';

const visible = 'section.chapter:not([hidden])';
const chapters = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(chapterHeights);
const runTimeoutMs = 600000;

const height = (page) => page.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));

async function open(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  // The opening run may start a little later (the images chapter fetches its data first): a chapter
  // still idle after 10 s does not run by itself.
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state !== 'idle', visible, { timeout: 10000, polling: 200 }).catch(() => {});
  await page.waitForFunction((sel) => !['running', 'queued', 'paused'].includes(document.querySelector(sel)?.dataset.state), visible, { timeout: runTimeoutMs, polling: 500 });
  await page.waitForTimeout(300);
  return page.$eval(visible, (s) => s.dataset.state);
}

const server = await startServer();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1000, height: 900 });
  for (const id of chapters) {
    const base = `${server.url}#${id}?nav=0`;
    const stateOff = await open(page, `${base}&predict=off`);
    const off = await height(page);
    await page.goto('about:blank');
    const stateAsk = await open(page, `${base}&predict=ask`);
    const before = await height(page);
    await commitMiddleAnswer(page, visible);
    await page.waitForTimeout(500);
    const after = await height(page);
    const reveal = await page.$eval(visible, (s) => s.dataset.reveal);
    console.log(JSON.stringify({ id, state: { off: stateOff, ask: stateAsk }, off, before, after, reveal, suggested: chapterHeights[id] }));
    await page.goto('about:blank');
  }
} finally {
  await browser.close();
  await server.close();
}
