// Chapter 3b's precomputed sweep (web/src/chapters/regularization-precomputed.js, written by
// scripts/precompute-regularization.mjs): it must be the current preset's run, and the chapter
// must draw it, marked, with a takeaway whose numbers its headline chart shows.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cliJson, cliPath, engine, modulePath } from './helpers.js';
import precomputed from '../../web/src/chapters/regularization-precomputed.js';
import chapter from '../../web/src/chapters/regularization.js';

test('the precomputed sweep is there, complete, with the noise-free arm', () => {
  assert.ok(precomputed, 'run node scripts/precompute-regularization.mjs (after bash scripts/build.sh native)');
  assert.equal(precomputed.chapter, 'regularization');
  assert.equal(precomputed.complete, true);
  assert.equal(precomputed.seeds_done, precomputed.spec.seeds);
  assert.ok(precomputed.spec.configs.includes('bn_population'));
  assert.deepEqual(precomputed.noise_effect.full_batch, precomputed.batch_size.map((b) => b >= precomputed.spec.data.n_train));
  assert.equal(chapter.precomputed, precomputed);
});

test('the precomputed sweep is the current preset\'s (native CLI and wasm engine)', async (t) => {
  let checked = 0;
  if (cliPath()) {
    assert.deepEqual(precomputed.spec, cliJson(['preset', 'regularization']), 'stale: rerun scripts/precompute-regularization.mjs');
    checked += 1;
  }
  if (fs.existsSync(modulePath)) {
    const e = await engine();
    assert.deepEqual(precomputed.spec, e.preset('regularization').value, 'stale: rerun scripts/precompute-regularization.mjs');
    checked += 1;
  }
  if (!checked) t.skip('neither the native CLI nor the wasm engine is built');
});

// Charts that record their last update.
function fakeCharts() {
  const charts = new Map();
  for (const def of chapter.charts) {
    const chart = { last: null, update(next) { this.last = next; } };
    charts.set(def.id, chart);
  }
  return charts;
}

test('the chapter draws the precomputed sweep, marked, with full batch as a mark and a one-sentence headline', () => {
  const charts = fakeCharts();
  const out = chapter.render(precomputed, charts, { visits: new Map(), precomputed: true });
  const noise = charts.get('noise').last;
  assert.match(noise.note, /^Precomputed \(preset, \d+ seeds\) — press Run to compute your own/);
  const measured = noise.series.find((s) => s.key === 'noise');
  const n = precomputed.spec.data.n_train;
  assert.ok(!measured.x.includes(n), 'no value plotted at the full batch');
  assert.deepEqual(noise.vmarks, [{ x: n, label: 'full batch: no noise' }]);
  assert.equal(typeof out, 'object');
  assert.match(out.headline, /^In the precomputed sweep \(\d+ seeds\), BN's noise cut the overfitting gap by [\d.]+ at batch 64/);
  for (const number of out.headline.match(/\d+(\.\d+)?/g)) assert.ok(noise.summary.includes(number), `${number} is in the summary: ${noise.summary}`);
  assert.ok(out.details.length > 0);
  for (const id of ['gap', 'clean', 'curves']) assert.ok(charts.get(id).last.series.length > 0, `${id} has data`);
});

test('live visits: a measured point at 64, the full-batch mark at 512', () => {
  const charts = fakeCharts();
  const visits = new Map([
    [64, { key: 64, gap: { bn: 0.06, bn_population: 0.1, none: 0.05 }, noise: 0.04, full: false }],
    [512, { key: 512, gap: { bn: 0.1, bn_population: 0.1, none: 0.05 }, noise: NaN, full: true }],
  ]);
  chapter.render(null, charts, { visits });
  const noise = charts.get('noise').last;
  const live = noise.series.find((s) => s.key === 'visit-noise');
  assert.deepEqual(live.x, [64]);
  assert.deepEqual(live.y, [0.04]);
  assert.ok(noise.vmarks.some((m) => m.x === 512 && m.label === 'full batch: no noise'));
  assert.match(noise.summary, /Your slider visits \(one seed\): 64: 0\.040; 512: full batch, no noise\./);
});
