// The page in headless Chromium (Debian's /usr/bin/chromium through playwright-core), served by
// web/serve.mjs: the wasm bench in a worker, time to the first chart, publish cost per chapter
// (the host's own accounting, posted with every update), and what the first chapter transfers.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromiumPath, launch, startServer } from '../../tests/browser/browser.js';

export { chromiumPath };

// The browser tests' Chromium and server (tests/browser/browser.js), as one handle.
export async function openBrowser(root, port = 0) {
  const server = await startServer(port);
  const browser = await launch();
  return {
    url: server.url,
    context: browser.context,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });

// The core's bench in a module worker (a Blob worker importing the hosted module), wall clock.
export async function wasmInWorker(b, steps, repeats = 1) {
  const page = await b.context.newPage();
  await page.goto(`${b.url}index.html`);
  const texts = await page.evaluate(async ([n, r]) => {
    const src = `import createBnlab from '${location.origin}/generated/bnlab.mjs';
      const m = await createBnlab();
      const out = [];
      for (let i = 0; i < ${r}; i += 1) {
        const o = m.bench(${n}, null);
        out.push(o.ok ? o.value : 'error: ' + o.error);
      }
      postMessage(out);`;
    const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })), { type: 'module' });
    return new Promise((resolve, reject) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => reject(new Error(e.message || 'worker failed'));
    });
  }, [steps, repeats]);
  await page.close();
  const bad = texts.find((t) => t.startsWith('error:'));
  if (bad) throw new Error(bad);
  return texts.map((t) => JSON.parse(t));
}

// Opens #chapter, waits for the engine, starts the run (unless the page already did) and
// records every update any of the page's workers posts: the page's runner and, for a pooled
// chapter, its pool's (whose runs the page's runner never sees). Returns {readyMs, clickedAt,
// firstChartMs, updates: [{t, runId, state, progress, elapsedMs, publishMs, postEveryMs}], done,
// progress (the panel's bar at the end), files}.
export async function runChapter(b, chapter, { budgetMs }) {
  const page = await b.context.newPage();
  await page.addInitScript(() => {
    const updates = [];
    window.__workerUpdates = updates;
    const NativeWorker = window.Worker;
    window.Worker = class extends NativeWorker {
      constructor(...args) {
        super(...args);
        this.addEventListener('message', ({ data: m }) => {
          if (m?.type !== 'update') return;
          updates.push({ t: performance.now(), runId: m.runId, state: m.state, progress: m.progress, elapsedMs: m.elapsedMs, publishMs: m.publishMs, postEveryMs: m.postEveryMs });
        });
      }
    };
  });
  const files = [];
  const onResponse = (r) => {
    const u = new URL(r.url());
    if (u.origin === new URL(b.url).origin) files.push(u.pathname === '/' ? '/index.html' : u.pathname);
  };
  b.context.on('response', onResponse);  // the context's: the worker's fetch of the .wasm too
  await page.goto(`${b.url}#${chapter}`);
  await ready(page);
  const readyMs = await page.evaluate(() => performance.now());
  await page.evaluate(() => {
    window.__bench = { first: null };
    window.bnlab.runner.onUpdate((m) => {
      if (m.result && window.__bench.first === null && m.progress > 0) window.__bench.first = performance.now();
    });
  });
  const visible = 'section.chapter:not([hidden])';
  const state = await page.$eval(visible, (el) => el.dataset.state);
  const clickedAt = await page.evaluate(() => performance.now());
  if (state !== 'running' && state !== 'done') await page.click(`${visible} [data-action="run"]`);
  const done = await page.waitForFunction((sel) => {
    const s = document.querySelector(sel)?.dataset.state;
    return s === 'done' || s === 'failed';
  }, visible, { timeout: budgetMs, polling: 200 }).then(() => true, () => false);
  // What the chapter fetched up to its run's end (afterwards the host loads the full module in
  // the background: web/src/host.js).
  const fetched = [...new Set(files)];
  if (!done) {
    await page.click(`${visible} [data-action="pause"]`).catch(() => {});
    await page.waitForTimeout(300);
  }
  const bench = await page.evaluate((sel) => ({
    ...window.__bench, updates: window.__workerUpdates, progress: document.querySelector(`${sel} progress`)?.value ?? NaN,
  }), visible);
  const shot = process.env.BNLAB_BENCH_SHOTS;
  if (shot) await page.screenshot({ path: path.join(shot, `bench-${chapter}.png`), fullPage: true });
  b.context.off('response', onResponse);
  await page.close();
  return { readyMs, clickedAt, firstChartMs: bench.first, updates: bench.updates, done, progress: bench.progress, files: fetched };
}

// Raw, gzip (level 9) and brotli (level 11) sizes of the files a page load fetched: web/serve.mjs
// sends brotli to browsers that accept it (headless Chromium does), gzip to the others.
export function transferSizes(webRoot, pathnames) {
  const rows = [];
  for (const p of pathnames) {
    const file = path.join(webRoot, p);
    if (!fs.existsSync(file)) continue;
    const body = fs.readFileSync(file);
    const br = zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }).length;
    rows.push({ path: p, raw: body.length, gzip: zlib.gzipSync(body, { level: 9 }).length, br });
  }
  return rows;
}
