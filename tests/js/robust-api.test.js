// Robustness of the JS API (web/src/engine.js over the wasm module): every bad argument gets
// {ok: false} and one line naming the field; nothing throws, nothing leaks, nothing is changed.
import test from 'node:test';
import assert from 'node:assert/strict';
import { engine } from './helpers.js';
import { badSpecTexts } from './bad-specs.js';

const tiny = { chapter: 'speed', steps: 5, eval_every: 1, grid: 4, model: { hidden: [4] } };
const withField = (path, value) => {
  const spec = structuredClone(tiny);
  const keys = path.split('.');
  let node = spec;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {});
  node[keys.at(-1)] = value;
  return spec;
};
const cyclic = structuredClone(tiny);
cyclic.train = { self: null };
cyclic.train.self = cyclic.train;
let deepJs = 1;
for (let i = 0; i < 100000; i += 1) deepJs = [deepJs];

// [name, call(e) -> outcome, expected substring]
const specCases = [
  ['lr NaN', withField('train.lr', NaN), 'spec.train.lr = NaN: must be a finite number'],
  ['lr Infinity', withField('train.lr', Infinity), 'spec.train.lr = Infinity: must be a finite number'],
  ['momentum -Infinity', withField('train.momentum', -Infinity), 'spec.train.momentum = -Infinity'],
  ['steps NaN', withField('steps', NaN), 'spec.steps = NaN'],
  ['seed NaN', withField('seed', NaN), 'spec.seed = NaN'],
  ['NaN inside a list', withField('model.hidden', [4, NaN]), 'spec.model.hidden[1] = NaN'],
  ['Infinity inside a list', withField('model.hidden', [Infinity]), 'spec.model.hidden[0] = Infinity'],
  ['NaN in an unknown field', withField('extra.x', NaN), 'spec.extra.x = NaN'],
  ['BigInt seed', withField('seed', 10n), 'spec.seed = 10n: must be a number, not a BigInt'],
  ['function as a value', withField('train.lr', () => 0.1), 'spec.train.lr: a function is not a JSON value'],
  ['symbol as a value', withField('train.lr', Symbol('x')), 'spec.train.lr: a symbol is not a JSON value'],
  ['undefined inside a list', withField('model.hidden', [4, undefined]), 'spec.model.hidden[1] = undefined'],
  ['a hole in a list', withField('model.hidden', [4, , 4]), 'spec.model.hidden[1] = undefined'],
  ['a cycle', cyclic, 'spec.train.self: refers back to itself'],
  ['array nested 100000 deep (JS)', withField('data', deepJs), 'spec.data[0][0]'],
  ['key with a newline and NaN', withField('a\nb', NaN), 'spec.a\\nb = NaN'],
  ['spec undefined', undefined, 'spec = undefined: must be an object or JSON text'],
  ['spec null', null, 'spec = null: must be an object'],
  ['spec a number', 42, 'spec = 42: must be an object'],
  ['spec an array', [tiny], 'must be an object or JSON text'],
  ['spec NaN', NaN, 'spec = NaN'],
  ['lr a string', withField('train.lr', '0.1'), 'spec.train.lr = "0.1"'],
  ['duplicate keys in text', '{"chapter":"speed","train":{"lr":50},"train":{"lr":0.1}}', 'spec.train: given twice'],
  ['lone surrogate in text', '{"chapter":"\ud800"}', 'not valid JSON'],
  ...badSpecTexts,
].map(([name, spec, expect]) => [name, spec, expect]);

test(`validate, start and run refuse ${specCases.length} bad specs with one line naming the field`, async () => {
  const e = await engine();
  const failures = [];
  const check = (name, o, expect) => {
    const why = [];
    if (!o || o.ok !== false) why.push(`ok = ${o?.ok}`);
    if (!String(o?.error).includes(expect)) why.push(`no "${expect.slice(0, 80)}"`);
    if (/[\n\r]/.test(o?.error)) why.push('more than one line');
    if (/internal/i.test(o?.error)) why.push('says "internal"');
    if (String(o?.error).length > 500) why.push(`${String(o?.error).length} characters`);
    if (why.length) failures.push(`${name}: ${why.join(', ')}\n    got: ${String(o?.error).slice(0, 300)}`);
  };
  for (const [name, spec, expect] of specCases) {
    let outcomes;
    try {
      const lab = e.createLab();
      outcomes = [['validate', e.validate(spec)], ['start', lab.start(spec)], ['run', e.run(spec)]];
      lab.dispose();
    } catch (error) {
      failures.push(`${name}: threw ${error}`);
      continue;
    }
    for (const [fn, o] of outcomes) check(`${fn}: ${name}`, o, expect);
  }
  assert.ok(specCases.length >= 40);
  assert.deepEqual(failures, [], failures.join('\n'));
});

const argCases = [
  ['advance(0)', (lab) => lab.advance(0), 'advance: units = 0: must be a whole number'],
  ['advance(-1)', (lab) => lab.advance(-1), 'advance: units = -1'],
  ['advance(1.5)', (lab) => lab.advance(1.5), 'advance: units = 1.5'],
  ['advance(NaN)', (lab) => lab.advance(NaN), 'advance: units = NaN'],
  ['advance(Infinity)', (lab) => lab.advance(Infinity), 'advance: units = Infinity'],
  ['advance(2**53 + 2)', (lab) => lab.advance(2 ** 53 + 2), 'advance: units = 9007199254740994'],
  ['advance("10")', (lab) => lab.advance('10'), 'advance: units = "10"'],
  ['advance()', (lab) => lab.advance(), 'advance: units = undefined'],
  ['advance(null)', (lab) => lab.advance(null), 'advance: units = null'],
  ['advance(10n)', (lab) => lab.advance(10n), 'advance: units = 10n'],
];

test(`advance refuses ${argCases.length} bad unit counts and does what was asked for large ones`, async () => {
  const e = await engine();
  for (const [name, call, expect] of argCases) {
    const lab = e.createLab();
    assert.ok(lab.start(tiny).ok);
    const o = call(lab);
    assert.equal(o.ok, false, name);
    assert.ok(o.error.includes(expect), `${name}: ${o.error}`);
    assert.equal(lab.progress(), 0, `${name}: no work was done`);
    lab.dispose();
  }
  for (const units of [2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1]) {
    const lab = e.createLab();
    assert.ok(lab.start(tiny).ok);
    const o = lab.advance(units);
    assert.ok(o.ok, o.error);
    assert.ok(lab.done(), `advance(${units}) finishes a 5-step run`);
    lab.dispose();
  }
  const lab = e.createLab();
  assert.ok(lab.start({ ...tiny, steps: 50 }).ok);
  assert.ok(lab.advance(1).ok);
  assert.ok(lab.progress() > 0 && lab.progress() < 0.1, `one unit of 50: progress ${lab.progress()}`);
  lab.dispose();
});

test('other bad arguments: preset, onProgress', async () => {
  const e = await engine();
  for (const [arg, expect] of [[5, 'chapter = 5'], [undefined, 'chapter = undefined'], [{}, 'chapter = [object Object]'], ['sp\need', 'chapter = "sp\\need"']]) {
    const o = e.preset(arg);
    assert.equal(o.ok, false);
    assert.ok(o.error.includes(expect), o.error);
  }
  const o = e.run(tiny, 'not a function');
  assert.equal(o.ok, false);
  assert.match(o.error, /^onProgress: must be a function/);
});

test('a throwing progress callback is an error outcome and leaks nothing', async () => {
  const e = await engine();
  const boom = () => { throw new Error('boom\nsecond line'); };
  for (let i = 0; i < 5; i += 1) e.run(tiny, boom);  // warm-up: allocations that stay
  const before = e.heap().used;
  let last;
  for (let i = 0; i < 100; i += 1) last = e.run(tiny, boom);
  const after = e.heap().used;
  console.log(`heap in use before/after 100 throwing callbacks: ${before} / ${after} bytes`);
  assert.equal(last.ok, false);
  assert.match(last.error, /^onProgress threw: boom/);
  assert.ok(Math.abs(after - before) < 640, `heap grew by ${after - before} bytes over 100 calls (64 B each before the fix)`);
});

test('bad spec texts that once recursed leak nothing', async () => {
  const e = await engine();
  const deep = `{"chapter":"speed","data":${'['.repeat(100000)}${']'.repeat(100000)}}`;
  for (let i = 0; i < 3; i += 1) e.validate(deep);
  const before = e.heap().used;
  for (let i = 0; i < 20; i += 1) assert.match(e.validate(deep).error, /nested more than 32 levels deep/);
  const after = e.heap().used;
  console.log(`heap in use before/after 20 deep specs: ${before} / ${after} bytes`);
  assert.ok(Math.abs(after - before) < 4096, `heap grew by ${after - before} bytes`);
});
