// Hours of use in one page, compressed: 200 runs back to back in the page's worker, some cancelled
// mid-run, some started from a chapter's own Run button and reset while running, chapters switched
// while runs go on. The wasm heap in use must come back to where it was (flat), and no NaN may
// reach a chart or a result.
import test from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useLab } from './browser.js';

const runs = 200;
// Bytes of malloc'd heap the page may hold on to after all runs are gone: slack for allocator
// bookkeeping, not for a leak per run (the fixed leaks were 64 B and 4.9 MB per call).
const heapToleranceBytes = 4096;

// Each chapter's preset, made short (the defaults take seconds to minutes each).
const shorten = {
  speed: { steps: 60, eval_every: 10, grid: 12 },
  distribution: { steps: 60, frame_every: 20 },
  shift: { steps: 60, grid: 12 },
  noise: { batches: 40 },
  regularization: { epochs: 4, eval_every: 2, seeds: 1 },
  inference: { checkpoints: [20, 40], curve_every: 10 },
  ics: { steps: 60, measure_every: 10 },
};

// One server and one browser for this file (browser.js): lab.server.url, lab.browser.context.
const lab = useLab();

test(`${runs} runs in one page: heap flat, no NaN in charts or results`, { timeout: 900000 }, async () => {
  // ?autorun=0: this test drives the runner itself; a chapter's own opening run would pause its runs.
  const { page, problems } = await openPage(lab.browser.context, `${lab.server.url}?autorun=0`, lab.server.url);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.engine), 'worker');
  const report = await page.evaluate(async ({ runs, shorten }) => {
    const { runner, chapters } = window.bnlab;
    const ids = chapters.map((c) => c.id).filter((id) => shorten[id]);
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const specs = {};
    for (const id of ids) {
      const preset = await runner.preset(id);
      specs[id] = { ...preset.value, ...shorten[id] };
      const check = await runner.validate(specs[id]);
      if (!check.ok) throw new Error(`short ${id} spec: ${check.error}`);
    }
    // NaN or Infinity anywhere a number is shown: chart SVG attributes and text, the page's text.
    const chartProblems = () => {
      const bad = [];
      for (const el of document.querySelectorAll('svg, svg *')) {
        for (const attr of el.attributes) if (/NaN|Infinity/.test(attr.value)) bad.push(`${el.tagName}[${attr.name}="${attr.value.slice(0, 40)}"]`);
      }
      if (/\bNaN\b/.test(document.body.innerText)) bad.push('NaN in the page text');
      return bad;
    };
    // Scalars of a result (typed arrays carry NaN as "no value", so they are left out).
    const nanScalars = (value, path = 'result', out = []) => {
      if (typeof value === 'number' && !Number.isFinite(value)) out.push(path);
      else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
        for (const [k, v] of Object.entries(value)) nanScalars(v, `${path}.${k}`, out);
      }
      return out;
    };
    const waitFor = (runId, accept, timeoutMs = 120000) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => { stop(); reject(new Error(`${runId}: no update in time`)); }, timeoutMs);
      const stop = runner.onUpdate((m) => {
        if (!accept(m)) return;
        clearTimeout(timer);
        stop();
        resolve(m);
      });
    });
    const panelOf = (id) => document.querySelector(`section.chapter[data-chapter="${id}"]`);
    const panelState = (panel, states, timeoutMs = 120000) => new Promise((resolve, reject) => {
      const t0 = performance.now();
      const poll = () => {
        if (states.includes(panel.dataset.state)) resolve(panel.dataset.state);
        else if (performance.now() - t0 > timeoutMs) reject(new Error(`panel ${panel.dataset.chapter}: still ${panel.dataset.state}`));
        else setTimeout(poll, 20);
      };
      poll();
    });
    const resetAll = async () => {
      for (const id of ids) {
        runner.cancel(`long-${id}`);
        const reset = panelOf(id)?.querySelector('[data-action="reset"]');
        if (reset && !reset.disabled) reset.click();
      }
      await sleep(300);
    };
    // A NaN from the page never crosses to the worker as null ("use the default").
    const nanRun = await new Promise((resolve) => {
      const stop = runner.onUpdate((m) => { if (m.runId === 'long-nan') { stop(); resolve(m); } });
      runner.start('long-nan', { ...specs.speed, train: { ...specs.speed.train, lr: NaN } });
    });
    const nanValidate = await runner.validate({ ...specs.speed, steps: Infinity });
    const tally = { nanRun: `${nanRun.state}: ${nanRun.error}`, nanValidate: nanValidate.error, done: 0, cancelled: 0, panelReset: 0, failed: [], nan: [], charts: [], switches: 0 };
    let heapBefore = null;
    const warmup = 2 * ids.length;
    for (let i = 0; i < runs; i += 1) {
      if (i === warmup) {
        await resetAll();
        heapBefore = (await runner.heap()).value;
      }
      const id = ids[i % ids.length];
      const kind = i % 4;
      if (kind === 3) {
        // The chapter's own Run button: charts update; Reset cancels it mid-run.
        window.location.hash = `#${id}`;
        tally.switches += 1;
        await sleep(50);
        const panel = panelOf(id);
        // Watched on the panel, not the runner: a pooled chapter (3b) runs its sweep on the pool.
        panel.querySelector('[data-action="run"]').click();
        await panelState(panel, ['running', 'done']);
        await sleep(150);
        tally.charts.push(...chartProblems().map((p) => `${id}: ${p}`));
        panel.querySelector('[data-action="reset"]').click();
        tally.panelReset += 1;
        continue;
      }
      const runId = `long-${id}`;
      const end = waitFor(runId, (m) => m.runId === runId && (m.state === 'done' || m.state === 'failed'));
      if (kind === 2) {
        const first = waitFor(runId, (m) => m.runId === runId);
        runner.start(runId, specs[id]);
        await first;
        runner.cancel(runId);  // mid-run: the host disposes it; no more updates come
        tally.cancelled += 1;
        end.catch(() => {});
        continue;
      }
      runner.start(runId, specs[id]);
      if (kind === 1) {
        window.location.hash = `#${ids[(i + 3) % ids.length]}`;  // switch chapters while it runs
        tally.switches += 1;
      }
      const m = await end;
      if (m.state === 'failed') tally.failed.push(`${runId}: ${m.error}`);
      else {
        tally.done += 1;
        tally.nan.push(...nanScalars(m.result).map((p) => `${runId}: ${p}`));
      }
    }
    tally.charts.push(...chartProblems());
    await resetAll();
    const heapAfter = (await runner.heap()).value;
    return { tally, heapBefore, heapAfter, warmup };
  }, { runs, shorten });

  const { tally, heapBefore, heapAfter } = report;
  console.log(`runs: ${runs} (${tally.done} to the end, ${tally.cancelled} cancelled mid-run, ${tally.panelReset} from a chapter's Run button reset mid-run, ${tally.switches} chapter switches)`);
  console.log(`wasm heap in use after ${report.warmup} warm-up runs: ${heapBefore.used} B (memory ${heapBefore.total} B); after all ${runs}: ${heapAfter.used} B (memory ${heapAfter.total} B); change ${heapAfter.used - heapBefore.used} B, tolerance ${heapToleranceBytes} B`);
  assert.equal(tally.nanRun, 'failed: spec.train.lr = NaN: must be a finite number');
  assert.equal(tally.nanValidate, 'spec.steps = Infinity: must be a finite number');
  assert.deepEqual(tally.failed, []);
  assert.deepEqual(tally.nan, [], 'NaN or Infinity in a result scalar');
  assert.deepEqual(tally.charts, [], 'NaN or Infinity in a chart');
  assert.ok(tally.done >= runs / 2 - 10, `${tally.done} runs finished`);
  assert.ok(Math.abs(heapAfter.used - heapBefore.used) <= heapToleranceBytes,
    `heap in use moved by ${heapAfter.used - heapBefore.used} B over ${runs - report.warmup} runs`);
  assert.deepEqual(problems, []);
});
