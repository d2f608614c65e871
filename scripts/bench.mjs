// npm run bench: one table from one run (DESIGN section 5, issue 8).
//   node scripts/bench.mjs [--quick] [--steps N] [--repeat N] [--json FILE]   (BNLAB_BENCH_QUICK=1 = --quick)
// Rows: training throughput of the 2-64-64-64-2 net (float32, batch 64 and 512, with and without
// BN) natively (`bnlab bench`), as wasm under Node and as wasm in a headless Chromium worker, each
// with its ratio to native; TF.js 4.22's wasm backend on the same net; GEMM GFLOP/s beside the
// 57 GFLOP/s ceiling of 128-bit SIMD without FMA; the step split (forward, backward, update) and
// the step by kind (linear, BN, ReLU, loss, update);
// publish cost per chapter (the page's worker, live); time to first chart; transfer sizes (raw and
// gzip) of the first chapter; last, issue 19's targets beside the issue's figures (a second
// table, scripts/bench/targets.mjs). Native and Node wasm are timed on CPU time (steadier on a shared
// machine); Chromium and TF.js on wall time (marked). Needs the builds (bash scripts/build.sh).
//
// Other engineers' rows (hook): every scripts/bench-*.mjs is run after the built-in rows, with
// BNLAB_BENCH_QUICK set as here; each line it prints that starts with "|" is a table row
// `| measurement | value | note |` appended to the table, anything else is passed to stderr.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const quick = flag('quick') || process.env.BNLAB_BENCH_QUICK === '1';
const steps = Number(option('steps', quick ? 400 : 3000));
const repeats = Number(option('repeat', quick ? 1 : 3));  // best of N per figure (native, wasm)
const ceiling = 57;  // GFLOP/s, 128-bit SIMD without FMA, one core (DESIGN section 5)
const cli = path.join(root, 'build', 'native', 'bnlab');
const generated = process.env.BNLAB_WASM_DIR || path.join(root, 'web', 'generated');
const log = (...a) => console.error('[bench]', ...a);

const rows = [];  // [measurement, value, note]
const row = (...cells) => rows.push(cells.map(String));
const k = (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(1)}k` : 'n/a');
const x = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}x` : 'n/a');
const kb = (v) => `${(v / 1024).toFixed(0)} KB`;
const key = (f) => `${f.batch}/${f.batch_norm ? 'BN' : 'no BN'}`;

const cpuClock = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function nodeWasm() {
  const mod = await import(pathToFileURL(path.join(generated, 'bnlab.mjs')).href);
  const m = await mod.default({ wasmBinary: fs.readFileSync(path.join(generated, 'bnlab.wasm')) });
  return () => {
    const o = m.bench(steps, cpuClock);
    if (!o.ok) throw new Error(o.error);
    return JSON.parse(o.value);
  };
}

// The best of `repeats` runs, figure by figure (a busy machine only ever slows a run down).
function bestOf(run) {
  let best = null;
  for (let r = 0; r < repeats; r += 1) {
    const next = run();
    if (!best) {
      best = next;
      continue;
    }
    next.training.forEach((f, i) => { if (f.samples_per_second > best.training[i].samples_per_second) best.training[i] = f; });
    next.gemm.forEach((g, i) => { if (g.gflops > best.gemm[i].gflops) best.gemm[i] = g; });
  }
  return best;
}

function splitText(f) {
  const total = f.forward_s + f.backward_s + f.update_s;
  const pc = (v) => `${Math.round((100 * v) / total)}%`;
  return `${pc(f.forward_s)} / ${pc(f.backward_s)} / ${pc(f.update_s)} (${(total * 1e6).toFixed(0)} us)`;
}

// The step by kind of operation (bnlab bench's ops: each kind timed in its own loop), in us per
// step, and the rest: the whole step (the phase split's total) minus the kinds.
function opsText(f) {
  const o = f.ops;
  const total = f.forward_s + f.backward_s + f.update_s;
  const us = (v) => (v * 1e6).toFixed(1);
  const rest = total - (o.linear_s + o.bn_s + o.act_s + o.loss_s + o.update_s);
  // Each kind is timed alone (warm caches, no neighbours), so the kinds can sum past the whole
  // step, measured in one piece: then the rest is shown as the overshoot, not as a negative time.
  const kinds = `${us(o.linear_s)} / ${us(o.bn_s)} / ${us(o.act_s)} / ${us(o.loss_s)} / ${us(o.update_s)}`;
  if (rest >= 0) return `${kinds} / ${us(rest)} us`;
  return `${kinds} / 0 us (the kinds timed alone sum ${us(-rest)} us past the whole step)`;
}

async function main() {
  const t0 = Date.now();
  const results = {};
  // 1. native
  if (fs.existsSync(cli)) {
    log('native: bnlab bench');
    const nativeRun = (clock) => bestOf(() => JSON.parse(execFileSync(cli, ['bench', '--json', '--clock', clock, '--steps', String(steps)], { encoding: 'utf8' })));
    results.native = nativeRun('cpu');
    results.nativeWall = nativeRun('wall');  // the reference for the wall-clock rows (Chromium)
  } else log('native CLI not built: skipped (bash scripts/build.sh native)');
  // 2. wasm in Node
  const haveWasm = fs.existsSync(path.join(generated, 'bnlab.wasm'));
  if (haveWasm) {
    log('wasm in Node');
    results.node = bestOf(await nodeWasm());
  } else log('wasm not built: skipped (bash scripts/build.sh wasm)');
  // 3. the page in Chromium
  let browser = null;
  const { chromiumPath, openBrowser, runChapter, transferSizes, wasmInWorker } = await import('./bench/browser.mjs');
  if (haveWasm && fs.existsSync(chromiumPath) && process.env.BNLAB_NO_BROWSER !== '1') {
    browser = await openBrowser(root, Number(process.env.BNLAB_BENCH_PORT || 0));
    try {
      log('wasm in a Chromium worker');
      const runs = await wasmInWorker(browser, steps, repeats);
      results.chromium = bestOf(() => runs.shift());
      log('chapters in Chromium (publish cost, first chart, transfer)');
      // Every chapter of the page's registry except those that prepare data first (the images
      // chapter: scripts/bench-images.mjs times it), or BNLAB_BENCH_CHAPTERS=a,b.
      const registry = (await import('../web/src/chapters/index.js')).chapters;
      const chapters = process.env.BNLAB_BENCH_CHAPTERS?.split(',') ?? registry.filter((c) => !c.prepare).map((c) => c.id);
      results.chapters = {};
      for (const c of chapters) results.chapters[c] = await runChapter(browser, c, { budgetMs: quick ? 4000 : 240000 });
    } finally {
      await browser.close();
    }
  } else log('Chromium or the wasm build missing: browser rows skipped');
  // 4. TF.js
  if (process.env.BNLAB_BENCH_NO_TFJS !== '1') {
    log('TF.js 4.22 wasm backend');
    const { benchTfjs } = await import('./bench/tfjs.mjs');
    results.tfjs = await benchTfjs({ steps: quick ? 60 : 400 }).catch((e) => ({ error: String(e.message || e) }));
  }

  // ---- the table
  const native = new Map((results.native?.training || []).map((f) => [key(f), f]));
  const nativeWall = new Map((results.nativeWall?.training || []).map((f) => [key(f), f]));
  for (const f of results.native?.training || []) row(`native ${key(f)}`, `${k(f.samples_per_second)} samples/s`, 'g++ -O3, bnlab bench (CPU time)');
  for (const f of results.nativeWall?.training || []) row(`native ${key(f)} (wall)`, `${k(f.samples_per_second)} samples/s`, 'the same, wall time: reference for Chromium');
  for (const [label, r, note, ref] of [['wasm Node', results.node, 'V8, CPU time', native], ['wasm Chromium worker', results.chromium, 'wall time, vs native wall', nativeWall]]) {
    for (const f of r?.training || []) {
      const n = ref.get(key(f));
      row(`${label} ${key(f)}`, `${k(f.samples_per_second)} samples/s`, `${x(f.samples_per_second / n?.samples_per_second)} native; ${note}`);
    }
  }
  if (results.tfjs?.rows) {
    const ours = new Map((results.node?.training || []).map((f) => [key(f), f]));
    for (const f of results.tfjs.rows) {
      const o = ours.get(key(f));
      row(`TF.js ${results.tfjs.version} wasm ${key(f)}`, `${k(f.samples_per_second)} samples/s`,
        `lab wasm (Node) is ${x(o?.samples_per_second / f.samples_per_second)} it; SIMD ${results.tfjs.simd}, 1 thread, Node, wall time`);
    }
  } else if (results.tfjs?.error) row('TF.js wasm', 'failed', results.tfjs.error);
  // GEMM by Eigen and by the core's kernel, beside issue 19's figures and targets (scripts/bench/kernel.mjs).
  rows.push(...(await import('./bench/kernel.mjs')).kernelRows(results, ceiling));
  for (const [label, r] of [['native', results.native], ['wasm Node', results.node]]) {
    for (const f of r?.training || []) row(`step split ${label} ${key(f)}`, splitText(f), 'forward+loss / backward / update');
  }
  for (const [label, r] of [['native', results.native], ['wasm Node', results.node]]) {
    for (const f of r?.training || []) if (f.ops) row(`step by kind ${label} ${key(f)}`, opsText(f), 'linear (GEMM + bias) / BN / ReLU / loss / update / rest of the step; each kind timed alone');
  }
  let firstFiles = null;
  let firstDone = false;
  for (const [c, r] of Object.entries(results.chapters || {})) {
    // Each run's last update carries its totals; a pooled chapter has several runs (its cells).
    const finals = [...new Map(r.updates.map((u) => [u.runId, u])).values()];
    const publishMs = finals.reduce((a, u) => a + (u.publishMs || 0), 0);
    const elapsedMs = finals.reduce((a, u) => a + (u.elapsedMs || 0), 0);
    const share = elapsedMs > 0 ? publishMs / elapsedMs : NaN;
    const runsNote = finals.length > 1 ? ` from ${finals.length} runs` : '';
    row(`publish ${c}`, Number.isFinite(share) ? `${(100 * share).toFixed(1)}% of training` : 'n/a',
      `${r.updates.length} updates${runsNote}, ${publishMs.toFixed(0)} ms of ${elapsedMs.toFixed(0)} ms${r.done ? '' : ', paused at ' + (100 * (r.progress || 0)).toFixed(0) + '% (budget)'}`);
    if (!firstFiles) {
      firstFiles = r.files;
      firstDone = r.done;
      row('page ready (engine loaded)', `${r.readyMs.toFixed(0)} ms`, `#${c}, from navigation`);
      // The first update with a result reaching the page (not yet drawn); the engine came from the
      // HTTP cache (the worker bench's page loaded it). The chapter runs by itself on open: "Run"
      // is when the bench looked (it presses Run only if no run is going). bench-sweep.mjs's
      // "first chart, chapter 1" is the drawn chart on a fresh profile.
      if (r.firstChartMs !== null) row('time to first chart', `${r.firstChartMs.toFixed(0)} ms`, `#${c}, from navigation to the first update with a result (not drawn; engine cached; bench looked at ${r.clickedAt.toFixed(0)} ms)`);
    }
  }
  if (firstFiles) {
    const sizes = transferSizes(path.join(root, 'web'), firstFiles);
    const sum = (f) => sizes.filter(f).reduce((a, s) => ({ raw: a.raw + s.raw, gzip: a.gzip + s.gzip, br: a.br + s.br }), { raw: 0, gzip: 0, br: 0 });
    const wasm = sum((s) => s.path.endsWith('.wasm'));
    const glue = sum((s) => /bnlab(-first)?\.mjs$/.test(s.path));
    const all = sum(() => true);
    const sized = (s) => `${kb(s.gzip)} gzip`;
    const also = (s) => `${kb(s.br)} brotli, ${kb(s.raw)} raw`;
    // What the page fetched from opening #speed to its run's end; afterwards the full module and
    // the other chapters' code load in the background (web/src/host.js, main.js) and are not counted.
    row('transfer first chapter', `${(all.br / 1024).toFixed(1)} KB brotli`, `target <= 150 KB brotli, issue 19: 280 KB brotli (354 gzip, 968 raw); this: ${kb(all.gzip)} gzip, ${kb(all.raw)} raw; ${firstDone ? 'up to its run\'s end' : 'up to the budget (its run not finished)'}, ${sizes.length} files: ${sizes.map((s) => s.path.replace(/^\//, '')).join(' ')}`);
    row('transfer wasm', sized(wasm), also(wasm));
    row('transfer glue bnlab.mjs / bnlab-first.mjs', sized(glue), also(glue));
    const page = { raw: all.raw - wasm.raw - glue.raw, gzip: all.gzip - wasm.gzip - glue.gzip, br: all.br - wasm.br - glue.br };
    row('transfer page (html, css, js)', sized(page), also(page));
  }
  // The module's size by section and by origin of its code (scripts/bench/wasm-size.mjs).
  const { wasmSizeTable } = await import('./bench/wasm-size.mjs');
  for (const r of wasmSizeTable(generated, { quick })) row(...r);
  // ---- other engineers' scripts
  const extra = fs.readdirSync(path.join(root, 'scripts')).filter((f) => /^bench-.+\.mjs$/.test(f)).sort();
  for (const f of extra) {
    log(`running scripts/${f}`);
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', f), ...(quick ? ['--quick'] : [])], {
      encoding: 'utf8', env: { ...process.env, BNLAB_BENCH_QUICK: quick ? '1' : '' }, maxBuffer: 1 << 26,
    });
    for (const line of (r.stdout || '').split('\n')) {
      if (line.startsWith('|')) rows.push(line.split('|').slice(1, -1).map((s) => s.trim()));
      else if (line.trim()) console.error(`[${f}] ${line}`);
    }
    if (r.status !== 0) row(`scripts/${f}`, 'failed', `exit ${r.status}: ${(r.stderr || '').trim().split('\n').at(-1) || ''}`);
  }

  // Issue 19's targets, each beside the issue's figure, read from the rows above (scripts/bench/targets.mjs).
  const targets = (await import('./bench/targets.mjs')).targetTable(rows);
  const jsonOut = option('json', null);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ rows, targets, results }, null, 1));
  const lines = ['| measurement | value | note |', '| --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)];
  console.log(lines.join('\n'));
  console.log(`\n${targets.join('\n')}`);
  const os = await import('node:os');
  console.log(`\n${quick ? 'quick mode, ' : ''}${steps} batch-64 steps per figure, best of ${repeats} (native, wasm in Node); ${((Date.now() - t0) / 1000).toFixed(0)} s; ${new Date().toISOString()}; `
    + `${os.cpus().length} x ${os.cpus()[0]?.model || '?'}; load average ${os.loadavg().map((v) => v.toFixed(1)).join(' ')}`);
}

main().catch((error) => {
  console.error(`[bench] failed: ${error?.stack || error}`);
  process.exit(1);
});
