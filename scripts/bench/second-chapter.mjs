// The next chapter a student opens, timed: the page opens on #speed, its run goes to the end, and
// `waitMs` later the student opens #distribution; the figure is the time from that switch to the
// new chapter's first chart (its first update with a result). With the first chapter's module
// (web/src/host.js, two tiers) the full module must have loaded and warmed in that wait, or this
// figure grows. Pages of two builds can be compared in one run, interleaved (machine noise hits
// both alike):
//
//   node scripts/bench/second-chapter.mjs [--rounds 3] [--wait 3000] [--to distribution] URL [URL...]
//
// Each URL is a served web/ folder (node web/serve.mjs; BNLAB_PORT picks the port).
import { launch } from '../../tests/browser/browser.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [, value] = args.splice(i, 2);
  return value;
};
const rounds = Number(option('--rounds', '3'));
const waitMs = Number(option('--wait', '3000'));
const to = option('--to', 'distribution');
const urls = args;
if (!urls.length) {
  console.error('usage: node scripts/bench/second-chapter.mjs [--rounds N] [--wait MS] [--to CHAPTER] URL [URL...]');
  process.exit(2);
}

async function once(context, base) {
  const page = await context.newPage();
  await page.goto(`${base}#speed`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  const visible = 'section.chapter:not([hidden])';
  const state = await page.$eval(visible, (el) => el.dataset.state);
  if (state !== 'running' && state !== 'done') await page.click(`${visible} [data-action="run"]`);
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'done', visible, { timeout: 120000, polling: 100 });
  await page.waitForTimeout(waitMs);
  const ms = await page.evaluate((chapter) => new Promise((resolve) => {
    const t0 = performance.now();
    window.bnlab.runner.onUpdate((m) => {
      if (String(m.runId).startsWith(chapter) && m.result && m.progress > 0) resolve([performance.now() - t0, m.elapsedMs ?? NaN]);
    });
    window.location.hash = `#${chapter}`;
  }), to);
  await page.close();
  return ms;
}

const browser = await launch();
const times = urls.map(() => []);
const computes = urls.map(() => []);  // the host's compute time in the new run up to that chart
try {
  for (let r = 0; r < rounds; r += 1) {
    for (const [i, url] of urls.entries()) {
      const [ms, computeMs] = await once(browser.context, url);
      times[i].push(ms);
      computes[i].push(computeMs);
    }
  }
} finally {
  await browser.close();
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [i, url] of urls.entries()) {
  console.log(`#speed -> #${to} ${waitMs} ms after the run's end, first chart: median ${(median(times[i]) / 1000).toFixed(2)} s (${times[i].map((t) => (t / 1000).toFixed(2)).join(' / ')}; the run's compute up to it ${computes[i].map((t) => (t / 1000).toFixed(2)).join(' / ')} s) ${url}`);
}
