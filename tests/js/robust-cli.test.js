// Robustness of `bnlab` (the native CLI): every bad input gets exit 2 and one short line on stderr
// naming the field; nothing crashes, nothing runs on input it changed.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cliPath } from './helpers.js';
import { badSpecTexts } from './bad-specs.js';

const cli = cliPath();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlab-robust-cli-'));
const deep = `{"chapter":"speed","data":${'['.repeat(100000)}${']'.repeat(100000)}}`;
const file = (name, text) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};

// [name, args, stdin (string or Buffer), expected substring]
const cases = [
  ...badSpecTexts.map(([name, text, expect]) => [`validate: ${name}`, ['validate', '-'], text, expect]),
  ['run: NUL byte ends nothing silently', ['run', '-', '--quiet'], '{"chapter":"speed","steps":5}\u0000garbage', 'NUL byte at offset 29'],
  ['run: duplicate lr', ['run', '-', '--quiet'], '{"chapter":"speed","train":{"lr":50},"train":{"lr":0.1}}', 'spec.train: given twice'],
  ['run --seeds: nested 100000 deep', ['run', '-', '--seeds', '2', '--quiet'], deep, 'nested more than 32 levels deep'],
  ['run --seeds: duplicate key', ['run', '-', '--seeds', '2', '--quiet'], '{"chapter":"speed","seed":1,"seed":2}', 'spec.seed: given twice'],
  ['run --seeds: NUL byte', ['run', '-', '--seeds', '2', '--quiet'], '{"chapter":"speed"}\u0000', 'NUL byte at offset 19'],
  ['run --seeds: 1e400', ['run', '-', '--seeds', '2', '--quiet'], '{"chapter":"speed","steps":1e400}', 'spec.steps = 1e400'],
  ['run --seeds: not an object', ['run', '-', '--seeds', '2', '--quiet'], '[1]', 'must be a JSON object'],
  ['run --seeds 0', ['run', '-', '--seeds', '0'], '{"chapter":"speed"}', '--seeds'],
  ['run --seeds abc', ['run', '-', '--seeds', 'abc'], '{"chapter":"speed"}', '--seeds'],
  ['run: a directory', ['run', tmp], '', `spec file "${tmp}" is a directory`],
  ['validate: a directory', ['validate', '/'], '', 'spec file "/" is a directory'],
  ['run: a missing file', ['run', path.join(tmp, 'none.json')], '', 'cannot read spec file'],
  ['run: file with a newline in its name (missing)', ['run', 'a\nb.json'], '', 'cannot read spec file "a\\nb.json"'],
  ['run: deep spec from a file', ['run', file('deep.json', deep), '--quiet'], '', 'spec.data[0]'],
  ['run: 2 MB file', ['run', file('big.json', `{"chapter":"${'z'.repeat(2000000)}"}`)], '', 'more than the limit of 1000000 bytes'],
  ['run: 2 MB on stdin', ['run', '-'], `{"chapter":"${'z'.repeat(2000000)}"}`, 'more than the limit of 1000000 bytes'],
  ['validate: invalid UTF-8 byte', ['validate', '-'], Buffer.from([0x7b, 0x22, 0x63, 0x68, 0x61, 0x70, 0x74, 0x65, 0x72, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'not valid JSON'],
  ['preset: unknown chapter with a newline', ['preset', 'sp\need'], '', 'chapter = "sp\\need"'],
  ['preset: 100000-character chapter', ['preset', 'c'.repeat(100000)], '', 'ccc...: must be one of'],
  ['unknown option with a newline', ['run', '-', '--bogus\nx'], '{}', 'see bnlab --help'],
];

test(`the CLI refuses ${cases.length} bad inputs with one line naming the field`, { skip: !cli && 'build the native CLI first' }, () => {
  assert.ok(cases.length >= 40);
  const failures = [];
  for (const [name, args, input, expect] of cases) {
    const r = spawnSync(cli, args, { input, maxBuffer: 1 << 26 });
    const stderr = r.stderr.toString('utf8');
    const lines = stderr.split('\n').filter(Boolean);
    const problems = [];
    if (r.signal) problems.push(`killed by ${r.signal}`);
    if (r.status !== 2) problems.push(`exit ${r.status}, expected 2`);
    if (lines.length !== 1) problems.push(`${lines.length} lines on stderr`);
    if (!stderr.includes(expect)) problems.push(`no "${expect.slice(0, 80)}"`);
    if (/internal/i.test(stderr)) problems.push('says "internal"');
    if (stderr.length > 500) problems.push(`${stderr.length} characters`);
    if (r.stdout.length) problems.push('printed a result');
    if (problems.length) failures.push(`${name}: ${problems.join(', ')}\n    got: ${stderr.slice(0, 300)}`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
});

test('a valid spec still runs (the checks refuse only what is bad)', { skip: !cli && 'build the native CLI first' }, () => {
  const r = spawnSync(cli, ['run', '-', '--quiet', '--seeds', '1'], { input: '{"chapter":"speed","steps":3,"eval_every":1,"grid":4}', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).chapter, 'speed');
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
