// Sweep cells through the wasm module's own bindings (cells, merge, run): the page's pool merges
// cell results run anywhere, in any order, into the bytes of the whole run, and those are the
// native CLI's bytes (`bnlab run --jobs 2`).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { cliPath, modulePath, runCli, wasmPath } from './helpers.js';

const spec = JSON.stringify({
  chapter: 'regularization', seeds: 2, epochs: 5, configs: ['none', 'bn'], batch_sizes: [64, 160], eval_every: 2, grid: 6,
});

async function rawModule() {
  const { default: createBnlab } = await import(pathToFileURL(modulePath).href);
  return createBnlab({ wasmBinary: fs.readFileSync(wasmPath) });
}

test('cells run in reverse order merge to the whole run\'s bytes, which are the native CLI\'s', async () => {
  const m = await rawModule();
  const listed = m.cells(spec);
  assert.equal(listed.ok, true, listed.error);
  const cells = JSON.parse(listed.value);
  assert.equal(cells.length, 8);
  const results = new Array(cells.length);
  for (let k = cells.length - 1; k >= 0; k--) {
    const o = m.run(JSON.stringify(cells[k]), undefined);
    assert.equal(o.ok, true, o.error);
    results[k] = o.value;
  }
  const partial = m.merge(spec, `[${results.map((r, k) => (k < 4 ? r : 'null')).join(',')}]`);
  assert.equal(partial.ok, true, partial.error);
  assert.equal(JSON.parse(partial.value).complete, false);
  assert.equal(JSON.parse(partial.value).seeds_done, 1);

  const merged = m.merge(spec, `[${results.join(',')}]`);
  assert.equal(merged.ok, true, merged.error);
  const whole = m.run(spec, undefined);
  assert.equal(merged.value, whole.value);

  const bad = m.merge(spec, '[null]');
  assert.equal(bad.ok, false);
  assert.match(bad.error, /array of 8 entries/);

  if (cliPath()) {
    const native = runCli(['run', '-', '--quiet', '--jobs', '2'], spec);
    assert.equal(native.status, 0, native.stderr);
    assert.equal(native.stdout.trim(), merged.value);
  }
});
