// Issue 7's figures from headless Chromium (the page as a user gets it):
//   - one seed of the P1 sweep (16 runs): worker pool vs a single worker;
//   - the default 5-seed sweep: pool vs single worker;
//   - chapter 3b's slider: from moving it to the redrawn pair (first partial draw and finished pair);
//   - first chart with data after navigating to each chapter (no press of Run).
//   node scripts/bench-sweep.mjs        BNLAB_BENCH_QUICK=1: one seed only, fewer slider moves
// BNLAB_WASM_DIR=/dir serves the engine from another build. Timings are wall clock on a shared
// machine: compare the figures of one run with each other, not across runs.
import fs from 'node:fs';
import path from 'node:path';
import { launch, startServer, wasmBuilt } from '../tests/browser/browser.js';

const quick = process.env.BNLAB_BENCH_QUICK === '1';
const wasmDir = process.env.BNLAB_WASM_DIR || '';
if (!wasmBuilt && !wasmDir) {
  console.log('[bench-sweep] skipped: web/generated/bnlab.mjs is not built (npm run build)');
  process.exit(0);
}

const rows = [];
const row = (what, figure, note = '') => {
  rows.push([what, figure, note]);
  console.error(`[bench-sweep] ${what}: ${figure} ${note}`);
};
const sec = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');

const server = await startServer();
const browser = await launch();
if (wasmDir) {
  await browser.context.route('**/generated/*', async (route) => {
    const name = path.basename(new URL(route.request().url()).pathname);
    const file = path.join(wasmDir, name);
    if (!fs.existsSync(file)) return route.fallback();
    await route.fulfill({ status: 200, body: fs.readFileSync(file), headers: { 'content-type': name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' } });
  });
}

try {
  const page = await browser.context.newPage();
  page.on('pageerror', (error) => console.error(`[bench-sweep] page error: ${error.message}`));

  // In-page helper: ms until the chapter's charts hold data marks (polled every animation frame).
  await page.addInitScript(() => {
    window.__marks = (id) => [...document.querySelectorAll(`section[data-chapter="${id}"] figure.chart svg.chart-svg`)]
      .reduce((n, svg) => n + [...svg.querySelectorAll('path')].filter((p) => (p.getAttribute('d') || '').length > 20).length
        + Math.max(0, svg.querySelectorAll('rect').length - 3), 0);
    window.__untilMarks = (id, t0) => new Promise((resolve) => {
      const poll = () => (window.__marks(id) > 0 ? resolve(performance.now() - t0) : requestAnimationFrame(poll));
      poll();
    });
  });

  // First chart after navigation, every chapter. The first chapter counts from the page's start.
  await page.goto(`${server.url}#speed`);
  const first = await page.evaluate(() => window.__untilMarks('speed', 0));
  // (A fresh profile: nothing cached, the engine compiled from scratch; the chart drawn. npm run
  // bench's "time to first chart" row is another figure: the first update with a result reaching
  // the page, on a page whose HTTP cache holds the engine already.)
  row('first chart, chapter 1 (page load, engine start included)', sec(first), 'fresh profile, chart drawn');
  const ids = await page.evaluate(() => window.bnlab.chapters.map((c) => `${c.id}|${c.number}`));
  for (const entry of ids.slice(1)) {
    const [id, number] = entry.split('|');
    const ms = await page.evaluate((c) => {
      const t0 = performance.now();
      window.location.hash = `#${c}`;
      return window.__untilMarks(c, t0);
    }, id);
    row(`first chart after navigating to chapter ${number} (${id})`, sec(ms));
  }

  // The slider: from the input event to the first redraw of the pair and to the finished pair, on
  // chapter 3b as a student sees it (the chapter left behind, images, is paused by the page).
  await page.evaluate(() => {
    window.location.hash = '#regularization';
  });
  await page.waitForFunction(() => !document.querySelector('section[data-chapter="regularization"]').hidden);
  const moves = quick ? [512, 128] : [512, 128, 256, 96, 320];
  for (const b of moves) {
    const t = await page.evaluate((value) => new Promise((resolve) => {
      const section = document.querySelector('section[data-chapter="regularization"]');
      const input = section.querySelector('input[name="batch"]');
      const summary = section.querySelector('figure[data-chart="regularization-live-curves"] .chart-summary');
      const t0 = performance.now();
      let firstDraw = NaN;
      const poll = () => {
        const now = performance.now() - t0;
        if (Number.isNaN(firstDraw) && new RegExp(`at batch ${value}…|^Batch ${value}:`).test(summary.textContent)) firstDraw = now;
        if (section.dataset.live === 'done' && section.dataset.liveKey === String(value)) resolve({ firstDraw, done: now });
        else if (section.dataset.live === 'failed') resolve({ firstDraw, done: NaN });
        else requestAnimationFrame(poll);
      };
      input.value = String(value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      requestAnimationFrame(poll);
    }), b);
    row(`slider to batch ${b}: first redraw of the pair`, sec(t.firstDraw), '(150 ms debounce included)');
    row(`slider to batch ${b}: finished pair drawn`, sec(t.done));
  }

  // Sweeps: pool (cells + merge) vs the single worker the page used before.
  const sweeps = [['one seed of the P1 sweep (16 runs)', 1]];
  if (!quick) sweeps.push(['the default 5-seed sweep (80 runs)', 5]);
  for (const [label, seeds] of sweeps) {
    const t = await page.evaluate(async (n) => {
      const { createPool } = await import('./src/pool.js');
      const { runner } = window.bnlab;
      const preset = (await runner.preset('regularization')).value;
      const spec = { ...preset, seeds: n };
      const single = await new Promise((resolve) => {
        const t0 = performance.now();
        const id = `bench-${n}`;
        const off = runner.onUpdate((m) => {
          if (m.runId !== id || (m.state !== 'done' && m.state !== 'failed')) return;
          off();
          runner.cancel(id);
          resolve(m.state === 'done' ? performance.now() - t0 : NaN);
        });
        runner.start(id, spec);
      });
      const has = await runner.hasCells();
      if (!has.ok || !has.value) return { single, pooled: NaN, size: 0 };
      const pool = await window.bnlab.getPool();
      const t0 = performance.now();
      const out = await pool.sweep(spec).promise;
      return { single, pooled: out.ok ? performance.now() - t0 : NaN, size: pool.size };
    }, seeds);
    row(`${label}, worker pool`, sec(t.pooled), t.size ? `(${t.size} workers; navigator.hardwareConcurrency ${await page.evaluate(() => navigator.hardwareConcurrency)})` : '(engine has no cells()/merge())');
    row(`${label}, single worker`, sec(t.single));
  }
  // The student's wait: Run pressed in chapter 3b (the default five seeds on the page's pool, its
  // partial merges drawn as they come) to the panel's "done".
  if (!quick) {
    const sel = 'section[data-chapter="regularization"]';
    const t0 = await page.evaluate(() => performance.now());
    await page.click(`${sel} [data-action="run"]`);
    const done = await page.waitForFunction((s) => ['done', 'failed'].includes(document.querySelector(s).dataset.state) && document.querySelector(s).dataset.state, sel, { timeout: 240000, polling: 'raf' });
    const ms = (await page.evaluate(() => performance.now())) - t0;
    row('the default 5-seed sweep, the panel\'s Run to done (partial merges drawn)', (await done.jsonValue()) === 'done' ? sec(ms) : 'failed', '(the page\'s pool)');
  }
  await page.close();
} finally {
  await browser.close();
  await server.close();
}

// Rows of npm run bench's table (scripts/bench.mjs appends the stdout lines starting with '|').
const mode = `headless Chromium${quick ? ', quick' : ''}`;
for (const [what, figure, note] of rows) console.log(`| ${what} | ${figure} | ${note ? `${note}; ` : ''}${mode} |`);
