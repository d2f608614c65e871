// The first chapter's module (web/generated/bnlab-first.mjs + .wasm: the core with the speed chapter
// alone, issue 19) and the engine host's two tiers (web/src/host.js): the small module gives the
// same bits as the full one for the same spec, the host answers the other chapters' presets from
// engine-index.json without loading the full module, and loads it (in order) when another chapter's
// code is needed.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { engine, modulePath, runToEnd } from './helpers.js';
import { loadNodeEngine } from './node-engine.js';
import { createHost } from '../../web/src/host.js';
import { fromHost, toHost } from '../../web/src/protocol.js';

const generated = path.dirname(modulePath);
const firstPath = path.join(generated, 'bnlab-first.mjs');
const indexPath = path.join(generated, 'engine-index.json');
const built = fs.existsSync(firstPath) && fs.existsSync(indexPath);
const skip = built ? false : 'bnlab-first.mjs or engine-index.json missing: bash scripts/build.sh wasm';

test('the first module holds the first chapter alone, with the full module\'s preset', { skip }, async () => {
  const full = await engine();
  const first = await loadNodeEngine(firstPath);
  assert.deepEqual(Array.from(first.chapters()), [full.chapters()[0]]);
  const chapter = first.chapters()[0];
  assert.deepEqual(first.preset(chapter).value, full.preset(chapter).value);
  // Another chapter: a clear error, not a crash.
  const other = first.preset('shift');
  assert.equal(other.ok, false);
  assert.match(other.error, /shift/);
});

test('the first module and the full module give the same bits for the same spec (seeds 3 and 11)', { skip }, async () => {
  const full = await engine();
  const first = await loadNodeEngine(firstPath);
  const chapter = first.chapters()[0];
  for (const seed of [3, 11]) {
    const spec = { ...full.preset(chapter).value, seed };
    if (typeof spec.steps === 'number') spec.steps = Math.min(spec.steps, 300);
    const a = JSON.stringify(runToEnd(full, spec));
    const b = JSON.stringify(runToEnd(first, spec));
    assert.ok(a.length > 1000, 'a result with curves');
    assert.equal(b, a, `seed ${seed}: the first module's result differs from the full module's`);
  }
});

test('the index lists the full module\'s chapters, presets and data names', { skip }, async () => {
  const full = await engine();
  const index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
  assert.deepEqual(index.chapters, Array.from(full.chapters()));
  for (const c of index.chapters) {
    assert.deepEqual(index.presets[c], full.preset(c).value, `preset ${c}`);
    assert.equal(index.requiredData[c], full.requiredData(c), `data ${c}`);
  }
});

// The host in Node: fetch() serves files of web/generated (Node's fetch has no file: URLs).
function hostInNode() {
  const realFetch = globalThis.fetch;
  const fetched = [];
  globalThis.fetch = async (url) => {
    const file = fileURLToPath(url);
    fetched.push(path.basename(file));
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'application/json';
    return new Response(fs.readFileSync(file), { headers: { 'content-type': type } });
  };
  const messages = [];
  const waiters = [];
  const handle = createHost((m) => {
    messages.push(m);
    for (const w of [...waiters]) if (w.test(m)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(m); }
  }, { defer: (fn) => setImmediate(fn) });
  const next = (testFn) => new Promise((resolve, reject) => {
    const found = messages.find(testFn);
    if (found) { messages.splice(messages.indexOf(found), 1); resolve(found); return; }
    const timer = setTimeout(() => reject(new Error('no such message from the host in 60 s')), 60000);
    waiters.push({ test: testFn, resolve: (m) => { clearTimeout(timer); messages.splice(messages.indexOf(m), 1); resolve(m); } });
  });
  let reqId = 0;
  const call = (fn, arg) => {
    reqId += 1;
    const id = reqId;
    handle({ type: toHost.call, reqId: id, fn, arg });
    return next((m) => m.type === fromHost.reply && m.reqId === id).then((m) => m.outcome);
  };
  return { handle, next, call, fetched, restore: () => { globalThis.fetch = realFetch; } };
}

test('the host starts on the first module, answers other chapters\' presets from the index, and loads the full module for another chapter\'s spec', { skip }, async (t) => {
  const full = await engine();  // also prepares Node's globals for Emscripten's ES module
  const h = hostInNode();
  t.after(h.restore);
  const url = (file) => pathToFileURL(file).href;
  h.handle({ type: toHost.init, moduleUrl: url(modulePath), firstModuleUrl: url(firstPath), indexUrl: url(indexPath), firstChapter: 'speed' });
  const ready = await h.next((m) => m.type === fromHost.ready || m.type === fromHost.error);
  assert.equal(ready.type, fromHost.ready, ready.error);
  assert.deepEqual(ready.chapters, Array.from(full.chapters()), 'every chapter listed before the full module loads');
  assert.equal((await h.call('heap')).value.module, 'first');
  // Presets of every chapter, as the page asks at start: from the index, the first module still serving.
  for (const c of full.chapters()) assert.deepEqual((await h.call('preset', c)).value, full.preset(c).value, `preset ${c}`);
  assert.equal((await h.call('validate', JSON.stringify(full.preset('speed').value))).ok, true);
  assert.equal((await h.call('heap')).value.module, 'first');
  assert.ok(!h.fetched.includes('bnlab.wasm'), `the full module was fetched: ${h.fetched.join(' ')}`);
  // Another chapter's spec: the full module loads, and the replies keep their order.
  const shift = JSON.stringify(full.preset('shift').value);
  const [validated, heap] = await Promise.all([h.call('validate', shift), h.call('heap')]);
  assert.equal(validated.ok, true, validated.error);
  assert.equal(heap.value.module, 'full');
  assert.ok(h.fetched.includes('bnlab.wasm'), `fetched: ${h.fetched.join(' ')}`);
  // Bad input still gets its one-line error from the full module.
  const bad = await h.call('validate', '{"chapter":"shift","steps":-1}');
  assert.equal(bad.ok, false);
  assert.match(bad.error, /steps/);
});

test('without an index (or another build\'s), the host loads the full module at once', { skip }, async (t) => {
  await engine();
  const h = hostInNode();
  t.after(h.restore);
  const url = (file) => pathToFileURL(file).href;
  h.handle({ type: toHost.init, moduleUrl: url(modulePath), firstModuleUrl: url(firstPath), indexUrl: url(path.join(generated, 'no-such-index.json')), firstChapter: 'speed' });
  const ready = await h.next((m) => m.type === fromHost.ready || m.type === fromHost.error);
  assert.equal(ready.type, fromHost.ready, ready.error);
  assert.equal((await h.call('heap')).value.module, 'full');
  // A page opening on another chapter starts on the full module too.
  h.restore();
  const h2 = hostInNode();
  t.after(h2.restore);
  h2.handle({ type: toHost.init, moduleUrl: url(modulePath), firstModuleUrl: url(firstPath), indexUrl: url(indexPath), firstChapter: 'shift' });
  await h2.next((m) => m.type === fromHost.ready);
  assert.equal((await h2.call('heap')).value.module, 'full');
});

test('once a run on the first module is done, the host loads the full module in the background', { skip }, async (t) => {
  const full = await engine();
  const h = hostInNode();
  t.after(h.restore);
  const url = (file) => pathToFileURL(file).href;
  h.handle({ type: toHost.init, moduleUrl: url(modulePath), firstModuleUrl: url(firstPath), indexUrl: url(indexPath), firstChapter: 'speed' });
  await h.next((m) => m.type === fromHost.ready);
  const spec = { ...full.preset('speed').value, seed: 5 };
  if (typeof spec.steps === 'number') spec.steps = Math.min(spec.steps, 100);
  h.handle({ type: toHost.start, runId: 'r1', spec: JSON.stringify(spec) });
  const done = await h.next((m) => m.type === fromHost.update && m.runId === 'r1' && m.state === 'done');
  const lab = full.createLab();
  assert.equal(lab.start(JSON.stringify(spec)).ok, true);
  while (!lab.done()) assert.equal(lab.advance(2000).ok, true);
  assert.equal(done.json, lab.resultJson(), 'the first tier\'s run gives the full module\'s bits');
  lab.dispose();
  let module = '';
  for (let i = 0; i < 600 && module !== 'full'; i += 1) {
    module = (await h.call('heap')).value.module;
    if (module !== 'full') await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(module, 'full', 'the full module did not load within 30 s of the run\'s end');
});
