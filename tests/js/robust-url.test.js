// Robustness of the URL hash (web/src/state.js, DOM-free): every bad value gets a one-line notice
// naming the setting, and the chapter's default is used instead; a value is never changed quietly.
import test from 'node:test';
import assert from 'node:assert/strict';
import { clipText, parseHash, readValues } from '../../web/src/state.js';
import { chapters } from '../../web/src/chapters/index.js';

const controls = [
  { key: 'lr', label: 'Learning rate', kind: 'choice', options: [0.01, 0.03, 0.1, 0.3, 1] },
  { key: 'momentum', label: 'SGD momentum', kind: 'choice', options: [0, 0.5, 0.9] },
  { key: 'act', label: 'Activation', kind: 'choice', options: ['sigmoid', 'tanh', { value: 'relu', label: 'ReLU' }] },
  { key: 'seed', label: 'Seed', kind: 'integer', min: 0, max: 2 ** 31 - 1 },
  { key: 'px', label: 'Point x0', kind: 'number', min: -3, max: 3 },
  { key: 'bn', label: 'Batch norm', kind: 'toggle' },
];
const defaults = { lr: 0.01, momentum: 0.9, act: 'relu', seed: 1, px: 0.3, bn: true };
const long = 'x'.repeat(100000);

// [hash, expected substring of the notice]; the named setting keeps its default.
const cases = [
  ['#speed?momentum=1e-400', 'SGD momentum "1e-400" is too small for a double (it would become 0); using 0.9'],
  ['#speed?momentum=-1e-400', 'is too small for a double'],
  ['#speed?px=1e-400', 'Point x0 "1e-400" is too small for a double'],
  ['#speed?px=1.0e-99999', 'Point x0 "1.0e-99999" is too small'],
  ['#speed?px=1e400', 'Point x0 "1e400" is out of the range of a double'],
  ['#speed?lr=1e400', 'Learning rate "1e400" is out of the range of a double'],
  ['#speed?px=Infinity', 'Point x0 "Infinity" must be a number'],
  ['#speed?px=-Infinity', 'must be a number'],
  ['#speed?px=NaN', 'Point x0 "NaN" must be a number'],
  ['#speed?px=0x1', 'Point x0 "0x1" must be a number'],
  ['#speed?px=', 'Point x0 "" must be a number'],
  ['#speed?px=1_0', 'must be a number'],
  ['#speed?px=1e', 'must be a number'],
  ['#speed?px=.', 'must be a number'],
  ['#speed?px=4', 'Point x0 "4" must be in [-3, 3]'],
  ['#speed?px=-3.0001', 'must be in [-3, 3]'],
  ['#speed?lr=0x0.1', 'Learning rate "0x0.1" must be one of'],
  ['#speed?lr=0.2', 'Learning rate "0.2" must be one of 0.01, 0.03, 0.1, 0.3, 1; using 0.01'],
  ['#speed?lr=abc', 'Learning rate "abc" must be one of'],
  ['#speed?lr=', 'Learning rate "" must be one of'],
  ['#speed?momentum=0x0', 'SGD momentum "0x0" must be one of'],
  ['#speed?act=RELU', 'Activation "RELU" must be one of'],
  ['#speed?seed=1.5', 'Seed "1.5" must be a whole number'],
  ['#speed?seed=-1', 'Seed "-1" must be in [0, 2147483647]'],
  ['#speed?seed=2147483648', 'must be in [0, 2147483647]'],
  ['#speed?seed=99999999999999999999999', 'must be in [0, 2147483647]'],
  ['#speed?seed=1e3', 'Seed "1e3" must be a whole number'],
  ['#speed?seed=', 'Seed "" must be a whole number'],
  ['#speed?bn=maybe', 'Batch norm "maybe" must be 0 or 1'],
  ['#speed?bn=', 'Batch norm "" must be 0 or 1'],
  ['#speed?lr=0.1&lr=0.3', 'Learning rate (lr) is given 2 times ("0.1", "0.3"), so neither is used; using 0.01'],
  ['#speed?momentum=0.5&momentum=0.5', 'SGD momentum (momentum) is given 2 times'],
  ['#speed?seed=2&seed=3&seed=4&seed=5', 'Seed (seed) is given 4 times ("2", "3", "4", ...)'],
  ['#speed?px=1&px=bad', 'Point x0 (px) is given 2 times'],
  ['#speed?bn=1&bn=0', 'Batch norm (bn) is given 2 times'],
  [`#speed?act=${long}`, `Activation "${'x'.repeat(60)}..." must be one of`],
  [`#speed?${long}=1`, `ignored unknown setting "${'x'.repeat(60)}..."`],
  ['#speed?act=re%0Alu', 'Activation "re\\nlu" must be one of'],
  ['#speed?lr%0A=1', 'ignored unknown setting "lr\\n"'],
  ['#speed?px=1%0D%0A2', 'Point x0 "1\\r\\n2" must be a number'],
  ['#speed?seed=%00', 'Seed "\\u0000" must be a whole number'],
  ['#speed?lr=0.1?momentum=0', 'Learning rate "0.1?momentum=0" must be one of'],
  ['#speed?LR=0.1', 'ignored unknown setting "LR"'],
  ['#speed?px=1%E2%80%A8x', 'Point x0 "1\\u2028x" must be a number'],
  [`#speed?lr=0.1&lr=${long}`, `is given 2 times ("0.1", "${'x'.repeat(20)}...")`],
];

test(`the URL hash reports ${cases.length} bad values, one line each, and uses the defaults`, () => {
  assert.ok(cases.length >= 40);
  const failures = [];
  for (const [hash, expect] of cases) {
    const { params } = parseHash(hash);
    const { values, problems } = readValues(controls, params, defaults);
    const text = problems.join(' | ');
    const why = [];
    if (problems.length !== 1) why.push(`${problems.length} notices`);
    if (!text.includes(expect)) why.push(`no "${expect.slice(0, 90)}"`);
    if (problems.some((p) => /[\n\r\u2028\u2029]/.test(p))) why.push('a notice spans lines');
    if (problems.some((p) => p.length > 300)) why.push('a notice is longer than 300 characters');
    if (/internal/i.test(text)) why.push('says "internal"');
    if (JSON.stringify(values) !== JSON.stringify(defaults)) why.push(`values changed: ${JSON.stringify(values)}`);
    if (why.length) failures.push(`${hash.slice(0, 60)}: ${why.join(', ')}\n    got: ${text.slice(0, 300)}`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});

test('good values are still read exactly (the checks refuse only what is bad)', () => {
  const { params } = parseHash('#speed?lr=0.3&momentum=0&act=tanh&seed=7&px=-2.5e0&bn=0');
  const { values, problems } = readValues(controls, params, defaults);
  assert.deepEqual(problems, []);
  assert.deepEqual(values, { lr: 0.3, momentum: 0, act: 'tanh', seed: 7, px: -2.5, bn: false });
});

test('every chapter control refuses a repeated key and a number that underflows', () => {
  for (const chapter of chapters) {
    for (const control of chapter.controls) {
      const defaults = { [control.key]: 'default' };
      const twice = readValues(chapter.controls, [[control.key, '1'], [control.key, '1']], defaults);
      assert.match(twice.problems.join(), /given 2 times/, `${chapter.id}.${control.key}`);
      assert.equal(twice.values[control.key], 'default');
      const tiny = readValues(chapter.controls, [[control.key, '1e-400']], defaults);
      assert.equal(tiny.problems.length, 1, `${chapter.id}.${control.key}: ${tiny.problems}`);
      assert.equal(tiny.values[control.key], 'default');
    }
  }
});

test('clipText keeps a notice on one short line', () => {
  assert.equal(clipText('a\nb\tc'), 'a\\nb\\tc');
  assert.equal(clipText('é'.repeat(70)), `${'é'.repeat(60)}...`);
  assert.equal(clipText('😀'.repeat(61)).length, 60 * 2 + 3);
});
