// The images chapter in the browser: 1000 training steps of 784-100-100-100-10 (both arms, with
// and without BN, batch 60) in headless Chromium's web worker, through the page's own runner.
//   node scripts/bench-images.mjs          (npm run bench runs it)
//   BNLAB_BENCH_QUICK=1 node scripts/bench-images.mjs   200 steps, scaled to 1000
// Prints two figures: the chapter's preset as the page runs it (training plus its test
// evaluations every 50 steps, percentile probes every 10 and the final test-time comparison), and
// training alone (evaluations and probes once at the end). Target: <= 5 s for 1000 steps. The
// worker's compute time is what is reported (the host's elapsedMs); wall time is printed beside it,
// and both are also scaled by the load factor measured in the same run (see below).
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => console.log(`[bench-images] ${m}`);
const quick = process.env.BNLAB_BENCH_QUICK === '1';
const steps = quick ? 200 : 1000;
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

if (!fs.existsSync(path.join(root, 'web', 'generated', 'bnlab.mjs'))) {
  say('skipped: web/generated/bnlab.mjs is not built (npm run build)');
  process.exit(0);
}
if (!fs.existsSync(path.join(root, 'web', 'generated', 'fashion-mnist-subset.bin'))) {
  say('skipped: web/generated/fashion-mnist-subset.bin is missing: install dataset-fashion-mnist (bash scripts/setup.sh), then build the wasm');
  process.exit(0);
}
if (!fs.existsSync(chromiumPath)) {
  say(`skipped: no browser at ${chromiumPath} (bash scripts/setup.sh installs chromium)`);
  process.exit(0);
}

const { openBrowser, wasmInWorker } = await import('./bench/browser.mjs');
const browser = await openBrowser(root);
try {
  const page = await browser.context.newPage();
  await page.goto(`${browser.url}?autorun=0#images`);  // the bench starts its own runs
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 60000 });
  const measure = (overrides) => page.evaluate(async ({ overrides }) => {
    const { runner, panels } = window.bnlab;
    const chapter = panels.get('images').chapter;
    const problem = await chapter.prepare(runner);
    if (problem) throw new Error(problem);
    const preset = (await runner.preset('images')).value;
    const spec = { ...preset, ...overrides };
    const runId = `bench-${Math.random()}`;
    const t0 = performance.now();
    const last = await new Promise((resolve, reject) => {
      const off = runner.onUpdate((m) => {
        if (m.runId !== runId) return;
        if (m.state === 'failed') { off(); reject(new Error(m.error)); }
        if (m.state === 'done') { off(); resolve(m); }
      });
      runner.start(runId, spec);
    });
    return { computeMs: last.elapsedMs, wallMs: performance.now() - t0, bn: last.result?.nets?.bn?.final_accuracy, plain: last.result?.nets?.plain?.final_accuracy };
  }, { overrides });
  // Warm-up: V8 runs new wasm on its baseline tier first.
  await measure({ steps: 60, eval_every: 60, probe_every: 60, test_batch_sizes: [60] });
  // The verdict is on the time measured here. The DESIGN benchmark net's throughput in a worker of
  // this browser, now, and the load average are printed beside it, so a reader can tell a loaded
  // machine from a slow build (an earlier version divided by a 272k samples/s "idle" reference
  // that this machine kind does not reach even when idle: 135-195k measured at load 0.0-0.1).
  const [figures] = await wasmInWorker(browser, 2000);
  const now = figures.training.find((f) => f.batch_norm && f.batch === 64)?.samples_per_second;
  const load = os.loadavg()[0];
  say(`benchmark net (2-64-64-64-2 BN) in this browser now: ${Math.round(now)} samples/s; load average ${load.toFixed(2)}`);
  const scale = 1000 / steps;
  const runs = [
    ['chapter preset (evaluations + probes)', { steps }],
    ['training only', { steps, eval_every: steps, probe_every: steps, test_batch_sizes: [60] }],
  ];
  for (const [name, overrides] of runs) {
    const r = await measure(overrides);
    const s = (r.computeMs / 1000) * scale;
    const wall = (r.wallMs / 1000) * scale;
    const target = `target <= 5 s: ${s <= 5 ? 'met' : 'NOT met'}`;
    say(`${name.padEnd(38)} 1000 steps x 2 nets: ${s.toFixed(2)} s in the worker${quick ? ` (${steps} steps, scaled)` : ''} (wall ${wall.toFixed(2)} s); ${target}; final test accuracy ${r.plain?.toFixed(3)} without BN, ${r.bn?.toFixed(3)} with`);
    // A row of npm run bench's table (scripts/bench.mjs appends stdout lines starting with '|').
    console.log(`| images chapter in Chromium, ${name}, 1000 steps x 2 nets | ${s.toFixed(2)} s | worker compute${quick ? `, ${steps} steps scaled` : ''}; wall ${wall.toFixed(2)} s; ${target}; benchmark net ${Math.round(now / 1000)}k samples/s in this browser, load average ${load.toFixed(2)} |`);
  }
} finally {
  await browser.close();
}
