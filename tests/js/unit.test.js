// Pure JS units of the page: the result transport, URL state, CSV/JSON export, scales.
import test from 'node:test';
import assert from 'node:assert/strict';
import { defaultsFrom, parseControl, parseHash, readValues, specFrom, writeHash } from '../../web/src/state.js';
import { toCsv, toJson } from '../../web/src/export.js';
import { adaptUnits, publishInterval } from '../../web/src/host.js';
import { createScale, niceDomain, ticks } from '../../web/src/charts/scale.js';

const controls = [
  { key: 'lr', label: 'Learning rate', kind: 'choice', options: [0.01, 0.1, 1], path: 'train.lr' },
  { key: 'batch', label: 'Mini-batch size', kind: 'choice', options: [64, 128, 256, 512], path: 'train.batch_size' },
  { key: 'bn', label: 'Batch norm', kind: 'toggle', path: 'model.batch_norm' },
  { key: 'seed', label: 'Seed', kind: 'integer', min: 0, max: 1000, path: 'seed' },
  { key: 'show', label: 'Shown', kind: 'choice', options: ['a', 'b'], view: true, fallback: 'a' },
];
const preset = { chapter: 'x', seed: 1, train: { lr: 0.1, batch_size: 64 }, model: { batch_norm: true } };

test('the publish interval keeps a publish within its share of the time', () => {
  assert.equal(publishInterval(0, 100, 0.05), 100);
  assert.equal(publishInterval(2, 100, 0.05), 100);
  assert.equal(publishInterval(20, 100, 0.05), 400);
  assert.ok(20 / publishInterval(20, 100, 0.05) <= 0.05);
  assert.equal(publishInterval(NaN, 100, 0.05), 100);
  assert.equal(publishInterval(1e6, 100, 0.05), 10000);
});

test('a hash round-trips through writeHash and parseHash', () => {
  const values = { lr: 1, batch: 512, bn: false, seed: 7, show: 'b' };
  const hash = writeHash('speed', controls, values);
  assert.equal(hash, '#speed?lr=1&batch=512&bn=0&seed=7&show=b');
  const { chapter, params } = parseHash(hash);
  assert.equal(chapter, 'speed');
  const read = readValues(controls, params, defaultsFrom(controls, preset));
  assert.deepEqual(read.values, values);
  assert.deepEqual(read.problems, []);
});

test('bad hash values are reported and replaced by the defaults', () => {
  const defaults = defaultsFrom(controls, preset);
  const { values, problems } = readValues(controls, parseHash('#speed?lr=abc&batch=65&seed=-3&bn=maybe&zzz=1').params, defaults);
  assert.deepEqual(values, defaults);
  assert.equal(problems.length, 5);
  assert.match(problems.join('\n'), /Learning rate "abc" must be one of 0\.01, 0\.1, 1; using 0\.1/);
  assert.match(problems.join('\n'), /unknown setting "zzz"/);
});

test('controls parse numbers strictly', () => {
  assert.deepEqual(parseControl(controls[0], '1e-2'), { value: 0.01 });
  assert.ok(parseControl(controls[3], '1.5').error);
  assert.ok(parseControl(controls[3], '2000').error);
  assert.deepEqual(parseControl(controls[2], 'true'), { value: true });
});

test('specFrom writes control values into a copy of the preset and skips view controls', () => {
  const spec = specFrom(preset, controls, { lr: 1, batch: 256, bn: false, seed: 3, show: 'b' });
  assert.deepEqual(spec, { chapter: 'x', seed: 3, train: { lr: 1, batch_size: 256 }, model: { batch_norm: false } });
  assert.equal(preset.train.lr, 0.1);
});

test('CSV quotes text and writes non-finite numbers by name', () => {
  const csv = toCsv({ columns: ['series', 'x', 'y'], rows: [['with "BN"', 1, NaN], ['a,b', 2, Infinity]] });
  assert.equal(csv, 'series,x,y\n"with ""BN""",1,NaN\n"a,b",2,Infinity\n');
  assert.deepEqual(JSON.parse(toJson({ columns: ['x', 'y'], rows: [[1, NaN]] })), [{ x: 1, y: null }]);
});

test('slices adapt their units towards the target time', () => {
  assert.equal(adaptUnits(100, 80, 40), 50);
  assert.equal(adaptUnits(100, 10, 40), 200);
  assert.equal(adaptUnits(100, 0, 40), 200);
  assert.equal(adaptUnits(1, 1000, 40), 1);
});

test('log scales tick at powers of ten and invert', () => {
  const s = createScale([0.01, 10], [0, 300], { log: true });
  assert.deepEqual(ticks(s), [0.01, 0.1, 1, 10]);
  assert.ok(Math.abs(s.invert(s(0.5)) - 0.5) < 1e-12);
  assert.deepEqual(niceDomain([0.013, 0.9], { log: true }), [0.01, 1]);
  assert.deepEqual(ticks(createScale([0, 0], [0, 1])), []);
});
