// The wasm module (web/generated) through the same JS wrapper the page uses: the facade's
// functions, errors as values with the CLI's message, every chapter's preset runs, and the result
// for a spec equals the native CLI's result for the same spec (largest difference printed).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chapterData, cliJson, cliPath, compareNumbers, engine, fashionSubsetPath, modulePath, runCli, runToEnd, wasmPath } from './helpers.js';
import { createHost } from '../../web/src/host.js';
import { fromHost, toHost } from '../../web/src/protocol.js';

import { chapters as pageChapters } from '../../web/src/chapters/index.js';

// The page's chapter registry (web/src/chapters/index.js, lecture order): a new chapter is covered
// here without editing this file, and the first test checks the engine's registry
// (native/src/experiments/chapters.def) lists the same chapters in the same order.
const chapterNames = pageChapters.map((c) => c.id);
const noData = `${fashionSubsetPath} is missing: install dataset-fashion-mnist (bash scripts/setup.sh), then build the wasm (it writes the subset)`;
// wasm and native share the Eigen configuration (CMakeLists.txt), so results should agree to the
// last bit; the tolerance leaves room only for printing/parsing of doubles in JSON.
const tolerance = 1e-9;
const presetBudgetMs = Number(process.env.BNLAB_PRESET_BUDGET_MS || 30000);

// A smaller version of a spec for the native comparison: fewer steps/epochs, seeds 1.
function shrink(spec) {
  const s = JSON.parse(JSON.stringify(spec));
  if (typeof s.steps === 'number') s.steps = Math.min(s.steps, 150);
  if (typeof s.epochs === 'number') s.epochs = Math.min(s.epochs, 4);
  if (typeof s.seeds === 'number') s.seeds = 1;
  for (const key of ['probe_every', 'frame_every', 'eval_every']) if (typeof s[key] === 'number') s[key] = Math.min(s[key], 25);
  if (s.chapter === 'images') s.data = { ...s.data, n_train: 2000, n_test: 500 };
  return s;
}

test('the module lists the chapters in lecture order: the page\'s registry, the same names', async () => {
  const e = await engine();
  assert.deepEqual(e.chapters(), chapterNames);
  assert.ok(chapterNames.length >= 8, `the page registers every chapter (${chapterNames.join(', ')})`);
});

test('errors come back as values with the CLI\'s message', async (t) => {
  const e = await engine();
  const bad = [
    '{bad',
    JSON.stringify({ chapter: 'speed', train: { lr: 50 } }),
    JSON.stringify({ chapter: 'nope' }),
    JSON.stringify({ chapter: 'speed', trian: {} }),
  ];
  for (const text of bad) {
    const outcome = e.validate(text);
    assert.equal(outcome.ok, false, text);
    assert.ok(outcome.error.length > 0);
    const lab = e.createLab();
    const started = lab.start(text);
    lab.dispose();
    assert.equal(started.ok, false);
    assert.equal(started.error, outcome.error);
    if (cliPath()) {
      const cli = runCli(['validate', '-'], text);
      assert.equal(cli.status, 2);
      assert.equal(cli.stderr.trim(), `bnlab: ${outcome.error}`);
    } else t.diagnostic('native CLI not built: message equality not checked');
  }
  assert.equal(e.preset('nope').ok, false);
});

for (const name of chapterNames) {
  test(`chapter ${name}: the preset validates to itself and runs`, async (t) => {
    const e = await engine();
    const preset = e.preset(name);
    assert.equal(preset.ok, true, preset.error);
    assert.equal(preset.value.chapter, name);
    const normalized = e.validate(preset.value);
    assert.equal(normalized.ok, true, normalized.error);
    assert.deepEqual(normalized.value, preset.value);

    const data = chapterData(e, name);
    if (!data) {
      t.skip(noData);
      return;
    }
    const lab = e.createLab();
    for (const [dataName, bytes] of Object.entries(data)) assert.equal(lab.provideData(dataName, bytes).ok, true);
    const started = lab.start(preset.value);
    assert.equal(started.ok, true, started.error);
    const first = lab.result();
    assert.equal(first.chapter, name);
    assert.equal(first.complete, false);
    const t0 = Date.now();
    let last = 0;
    while (!lab.done() && Date.now() - t0 < presetBudgetMs) {
      const o = lab.advance(500);
      assert.equal(o.ok, true, o.error);
      const p = lab.progress();
      assert.ok(p >= last && p <= 1, `progress ${p} after ${last}`);
      last = p;
    }
    const result = lab.result();
    lab.dispose();
    assert.ok(last > 0, 'no progress');
    assert.deepEqual(result.spec, preset.value);
    if (result.complete) assert.equal(result.progress, 1);
    t.diagnostic(`${name}: ${result.complete ? 'complete' : `${(last * 100).toFixed(0)}% in the time budget`} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
}

for (const name of chapterNames) {
  test(`chapter ${name}: wasm and native CLI agree for the same spec and seed`, async (t) => {
    if (!cliPath()) {
      t.skip('native CLI not built (build/native/bnlab)');
      return;
    }
    const e = await engine();
    const data = chapterData(e, name);
    if (!data) {
      t.skip(noData);
      return;
    }
    const spec = shrink(e.preset(name).value);
    spec.seed = 3;
    const normalized = e.validate(spec);
    assert.equal(normalized.ok, true, normalized.error);
    const wasm = runToEnd(e, normalized.value, { data });
    // The CLI reads the same bytes (a bundle file) when the chapter needs data.
    const dataArgs = Object.keys(data).length ? ['--data', fashionSubsetPath] : [];
    const native = cliJson(['run', '-', '--quiet', ...dataArgs], JSON.stringify(normalized.value));
    const cmp = compareNumbers(wasm, native);
    assert.equal(cmp.mismatch, null, cmp.mismatch);
    console.log(`# ${name}: ${cmp.leaves} numbers compared, largest |wasm - native| = ${cmp.maxDiff}${cmp.at ? ` at ${cmp.at}` : ''} (tolerance ${tolerance})`);
    assert.ok(cmp.maxDiff <= tolerance, `largest difference ${cmp.maxDiff} at ${cmp.at}`);
  });
}

test('the one-shot run reports progress through a callback', async () => {
  const e = await engine();
  const spec = shrink(e.preset('speed').value);
  spec.steps = 60;
  const seen = [];
  const outcome = e.run(spec, (p) => seen.push(p));
  assert.equal(outcome.ok, true, outcome.error);
  assert.equal(outcome.value.complete, true);
  assert.ok(seen.length >= 1);
  assert.equal(seen.at(-1), 1);
  for (let i = 1; i < seen.length; i += 1) assert.ok(seen[i] >= seen[i - 1]);
});

test('curves cross as plain Arrays whatever their length, and a cancelled run stops', async () => {
  const e = await engine();
  const lab = e.createLab();
  assert.equal(lab.start(e.preset('speed').value).ok, true);
  lab.advance(200);
  const text = lab.resultJson();
  assert.equal(typeof text, 'string');
  const result = lab.result();
  assert.deepEqual(result, JSON.parse(text));
  assert.ok(Array.isArray(result.nets.bn.batch_loss) && result.nets.bn.batch_loss.length >= 4);
  assert.ok(result.nets.bn.batch_loss.every((v) => typeof v === 'number'));
  assert.equal(lab.running(), true);
  lab.cancel();
  assert.equal(lab.running(), false);
  lab.dispose();
});

test('the host posts the result JSON text; the same field is an Array at every length', async () => {
  const posted = [];
  const handle = createHost((m) => posted.push(m), { engineOptions: { wasmBinary: fs.readFileSync(wasmPath) } });
  await handle({ type: toHost.init, moduleUrl: pathToFileURL(modulePath).href });
  assert.equal(posted.at(-1).type, fromHost.ready);
  const preset = (await engine()).preset('speed').value;
  handle({ type: toHost.start, runId: 'speed-1', spec: JSON.stringify(preset), paused: true });
  handle({ type: toHost.step, runId: 'speed-1', fraction: 0.001 });
  handle({ type: toHost.step, runId: 'speed-1', fraction: 0.05 });
  const updates = posted.filter((m) => m.type === fromHost.update);
  assert.ok(updates.length >= 3, `${updates.length} updates`);
  for (const u of updates) assert.equal(typeof u.json, 'string');
  const lengths = updates.map((u) => JSON.parse(u.json).nets.bn.train_loss.length);
  assert.ok(lengths[0] < 4 && lengths.at(-1) >= 4, `train_loss lengths ${lengths}`);
  for (const u of updates) assert.ok(Array.isArray(JSON.parse(u.json).nets.bn.train_loss));
  assert.ok(updates.at(-1).publishMs > 0 && updates.at(-1).postEveryMs >= 100);
  handle({ type: toHost.cancel, runId: 'speed-1' });
});
