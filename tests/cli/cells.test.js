// `bnlab cells`, `bnlab run --cell/--cells --out-dir` and `bnlab merge` (native/cli/cells.h): a
// sweep run cell by cell, in any order and any grouping, merges into the bytes `bnlab run` prints;
// a rerun skips what is done; every bad input is one line naming the file or the index, exit 2,
// and leaves what was written untouched. The limits: a one-process run keeps the page's bounds,
// a sweep run as cells may be as large as asked, each cell is held to the per-run bound.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cliPath } from '../js/helpers.js';

const cli = cliPath();
const needsCli = { skip: !cli && 'build the native CLI first (bash scripts/build.sh native)' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlab-cells-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bnlab = (args, input) => spawnSync(cli, args, { input, encoding: 'utf8', maxBuffer: 1 << 30 });
const write = (name, value) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
};
const ok = (args, input) => {
  const r = bnlab(args, input);
  assert.equal(r.status, 0, `bnlab ${args.join(' ')}: ${r.stderr}`);
  return r;
};
// Every file under dir (names and bytes), to check a refused command changed nothing.
const snapshot = (dir) => (fs.existsSync(dir) ? Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'latin1')])) : {});

// 2 seeds x 2 configurations x 2 batch sizes = 8 cells, with curves and regions (first seed).
const sweep = { chapter: 'regularization', seeds: 2, epochs: 6, configs: ['none', 'bn'], batch_sizes: [64, 128], eval_every: 3, grid: 4 };
const sweepPath = write('sweep.json', sweep);

test('cells: one complete spec per line in merge order, --count says how many', needsCli, () => {
  const lines = ok(['cells', sweepPath]).stdout.trimEnd().split('\n');
  assert.equal(ok(['cells', sweepPath, '--count']).stdout, '8\n');
  assert.equal(lines.length, 8);
  const cells = lines.map((l) => JSON.parse(l));
  // Seed-major: seed, then configuration, then batch size; each a whole spec that validates as is.
  assert.deepEqual(cells.map((c) => [c.seed, c.configs[0], c.batch_sizes[0], c.seeds]),
    [[1, 'none', 64, 1], [1, 'none', 128, 1], [1, 'bn', 64, 1], [1, 'bn', 128, 1], [2, 'none', 64, 1], [2, 'none', 128, 1], [2, 'bn', 64, 1], [2, 'bn', 128, 1]]);
  for (const l of [lines[0], lines[7]]) assert.deepEqual(JSON.parse(ok(['validate', '-'], l).stdout), JSON.parse(l));
  // A chapter without its own cells is one cell: its normalized spec.
  const speed = ok(['cells', '-'], '{"chapter":"speed","steps":5}').stdout;
  assert.equal(speed.split('\n').length, 2);
  assert.equal(JSON.parse(speed).chapter, 'speed');
});

test('run --cell / --cells into an out-dir, any order and grouping, merges into the bytes of bnlab run; a rerun resumes', needsCli, () => {
  const whole = ok(['run', sweepPath, '--quiet']).stdout;
  const out = path.join(tmp, 'out');
  for (const k of [7, 2, 5, 0]) ok(['run', sweepPath, '--quiet', '--cell', String(k), '--out-dir', out]);
  ok(['run', sweepPath, '--quiet', '--cells', '3-4', '--out-dir', out]);
  // Not all there: merge names what is missing and writes nothing; --partial marks it incomplete.
  const missing = bnlab(['merge', sweepPath, out]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^bnlab: merge: 2 of 8 cells missing: 1, 6 \(run them, or pass --partial/);
  assert.equal(missing.stdout, '');
  const partial = ok(['merge', sweepPath, out, '--partial']);
  const p = JSON.parse(partial.stdout);
  assert.equal(p.complete, false);
  assert.ok(p.progress > 0 && p.progress < 1, `progress ${p.progress}`);
  assert.match(partial.stderr, /merged 6 of 8 cells; the result is marked incomplete/);
  // The rest: the cells already there are skipped (their files untouched), the others run.
  const before = snapshot(out);
  const rerun = ok(['run', sweepPath, '--cells', '0-7', '--out-dir', out]);
  assert.equal((rerun.stderr.match(/already done in/g) || []).length, 6, rerun.stderr);
  for (const [f, bytes] of Object.entries(before)) assert.equal(fs.readFileSync(path.join(out, f), 'latin1'), bytes, f);
  assert.deepEqual(fs.readdirSync(out).sort(), [0, 1, 2, 3, 4, 5, 6, 7].map((k) => `cell-00000${k}.json`));
  assert.equal(ok(['merge', sweepPath, out]).stdout, whole);
  // Records on standard output (no out-dir) are the same records: files of lines merge the same.
  const lines = ok(['run', sweepPath, '--quiet', '--cells', '0-3']).stdout;
  assert.equal(lines.split('\n').length, 5);
  const first = write('first-half.jsonl', lines);
  fs.mkdirSync(path.join(tmp, 'second'));
  for (const k of [4, 5, 6, 7]) fs.copyFileSync(path.join(out, `cell-00000${k}.json`), path.join(tmp, 'second', `cell-00000${k}.json`));
  assert.equal(ok(['merge', sweepPath, first, path.join(tmp, 'second'), '--out', path.join(tmp, 'merged.json')]).stdout, '');
  assert.equal(fs.readFileSync(path.join(tmp, 'merged.json'), 'utf8'), whole);
});

test('bad input: one line naming the file or index, exit 2, nothing written lost or overwritten', needsCli, () => {
  const out = path.join(tmp, 'bad-out');
  ok(['run', sweepPath, '--quiet', '--cells', '0-7', '--out-dir', out]);
  const cell = (k) => path.join(out, `cell-00000${k}.json`);
  const good = fs.readFileSync(cell(3), 'utf8');
  // Another spec's results (one more epoch), a truncated record, an edited number, a duplicate.
  const other = path.join(tmp, 'other');
  ok(['run', write('other.json', { ...sweep, epochs: 7 }), '--quiet', '--cell', '3', '--out-dir', other]);
  const truncated = write('truncated.jsonl', good.slice(0, Math.floor(good.length / 2)));
  const cutAtLine = write('cut-at-line.jsonl', good.slice(0, Math.floor(good.length / 2)) + '\n');
  const edited = write('edited.jsonl', good.replace('"mean":[0.', '"mean":[0.9'));
  assert.ok(fs.readFileSync(edited, 'utf8') !== good, 'the edit changed a number');
  const duplicate = write('duplicate.jsonl', good);
  const notADir = write('a-file', 'x');
  const anotherSpecFile = path.join(other, 'cell-000003.json');
  const cases = [
    ['--cell out of range', ['run', sweepPath, '--cell', '8', '--out-dir', out], /^bnlab: --cell 8: cell 8 out of range: the sweep has 8 cells \(0-7\)$/],
    ['--cells past the end', ['run', sweepPath, '--cells', '6-12'], /^bnlab: --cells 6-12: cell 12 out of range: the sweep has 8 cells/],
    ['--cells backwards', ['run', sweepPath, '--cells', '5-2'], /--cells 5-2: the range must not run backwards/],
    ['--cell not a number', ['run', sweepPath, '--cell', '-1'], /^bnlab: --cell -1: must be a cell index counting from 0$/],
    ['a result of another spec', ['merge', sweepPath, out, anotherSpecFile], new RegExp(`${anotherSpecFile.replace(/[/.]/g, '\\$&')}.*: a result of another spec \\(its sweep hash "fnv1a64:[0-9a-f]{16}", this spec's fnv1a64:[0-9a-f]{16}\\)`)],
    ['a truncated file', ['merge', sweepPath, truncated], /truncated\.jsonl": truncated \(the last line has no newline\)$/],
    ['a truncated record', ['merge', sweepPath, cutAtLine], /cut-at-line\.jsonl" line 1: not a complete JSON record \(truncated or edited\)$/],
    ['a hand-edited result', ['merge', sweepPath, edited], /edited\.jsonl" line 1: cell 3: its result does not match its check \(edited or damaged\)$/],
    ['two results for one cell', ['merge', sweepPath, out, duplicate], /^bnlab: cell 3: two results \(".*cell-000003\.json" and ".*duplicate\.jsonl" line 1\)$/],
    ['an out-dir that is a file', ['run', sweepPath, '--cell', '1', '--out-dir', notADir], /^bnlab: --out-dir ".*a-file": is not a directory$/],
    ['an out-dir that cannot be made', ['run', sweepPath, '--cell', '1', '--out-dir', path.join(notADir, 'sub')], /^bnlab: --out-dir ".*a-file\/sub": cannot be created/],
    ['--out-dir without a cell', ['run', sweepPath, '--out-dir', out], /--out-dir: needs --cell K or --cells A-B/],
    ['--jobs with --cells', ['run', sweepPath, '--cells', '0-1', '--jobs', '2'], /--jobs with --cell\/--cells/],
    ['not a cell record', ['merge', sweepPath, write('spec-line.jsonl', `${JSON.stringify(sweep)}\n`)], /spec-line\.jsonl" line 1: not a cell result of bnlab run --cell/],
  ];
  // The out-dir holding an edited result: run refuses before running anything, the file stays.
  fs.writeFileSync(path.join(tmp, 'edited-dir-copy'), '');
  const editedDir = path.join(tmp, 'edited-dir');
  fs.mkdirSync(editedDir);
  fs.copyFileSync(edited, path.join(editedDir, 'cell-000003.json'));
  cases.push(['run over an edited result', ['run', sweepPath, '--cells', '0-7', '--out-dir', editedDir],
    /^bnlab: ".*edited-dir\/cell-000003\.json": cell 3: its result does not match its check \(edited or damaged\); not replaced \(move it away to run cell 3 again\)$/]);
  cases.push(['merge a directory holding an edited result', ['merge', sweepPath, editedDir], /edited-dir\/cell-000003\.json": cell 3: its result does not match its check/]);
  const failures = [];
  for (const [name, args, expect] of cases) {
    const dirs = [out, other, editedDir];
    const before = dirs.map(snapshot);
    const r = bnlab(args);
    const lines = r.stderr.trimEnd().split('\n');
    const problems = [];
    if (r.status !== 2) problems.push(`exit ${r.status}, expected 2`);
    if (lines.length !== 1) problems.push(`${lines.length} lines on stderr`);
    if (!expect.test(lines[0])) problems.push(`no ${expect}`);
    if (r.stdout.length) problems.push('printed something on stdout');
    dirs.forEach((d, i) => assert.deepEqual(snapshot(d), before[i], `${name}: ${d} changed`));
    if (problems.length) failures.push(`${name}: ${problems.join(', ')}\n    got: ${r.stderr.slice(0, 300)}`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.ok(!fs.existsSync(path.join(notADir, 'sub')));
});

test('limits: one process keeps the bounds, a sweep as cells is as large as asked, each cell keeps the per-run bound', needsCli, () => {
  // 40 seeds of regularization (the one-process limit is 30): refused by run and validate, split by cells.
  const big = write('big.json', { ...sweep, seeds: 40 });
  for (const args of [['run', big, '--quiet'], ['validate', big], ['run', big, '--quiet', '--jobs', '2']]) {
    const r = bnlab(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /^bnlab: spec\.seeds = 40: must be a whole number in \[1, 30\]\n$/);
  }
  assert.equal(ok(['cells', big, '--count']).stdout, '160\n');
  const last = JSON.parse(ok(['cells', big]).stdout.trimEnd().split('\n')[159]);
  assert.equal(last.seed, 40);
  // The last cell runs (its record names cell 159 of 160).
  const rec = JSON.parse(ok(['run', big, '--quiet', '--cell', '159']).stdout);
  assert.equal(rec.bnlab_cell, 159);
  assert.equal(rec.cells, 160);
  assert.equal(rec.result.complete, true);
  // 200 seeds of a sweep that is too much work for one process: cells split it all the same.
  const huge = write('huge.json', { chapter: 'regularization', seeds: 200 });
  assert.match(bnlab(['run', huge, '--quiet']).stderr, /spec\.seeds = 200/);
  assert.equal(ok(['cells', huge, '--count']).stdout, '3200\n');
  // 60 seeds of images (the one-process limit is 10): 120 cells, one per net and seed.
  const images = write('images.json', { chapter: 'images', seeds: 60, steps: 10 });
  assert.match(bnlab(['validate', images]).stderr, /spec\.seeds = 60: must be a whole number in \[1, 10\]/);
  assert.equal(ok(['cells', images, '--count']).stdout, '120\n');
  // A cell over the per-run bound is refused however the sweep is run.
  const heavy = write('heavy.json', { chapter: 'regularization', seeds: 2, epochs: 1000, model: { hidden: [512, 512, 512] }, configs: ['bn'], batch_sizes: [64] });
  const r = bnlab(['cells', heavy, '--count']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^bnlab: regularization: one run \(bn at batch 64: epochs x N\) = .* multiply-adds: more than the limit of/);
  const heavyImages = write('heavy-images.json', { chapter: 'images', seeds: 20, steps: 100000 });
  assert.match(bnlab(['cells', heavyImages, '--count']).stderr, /^bnlab: images: one cell \(one net of one seed/);
});

// Chapters split into one cell per seed at research scale, each checked against a one-process run.
const seedChapters = [
  ['speed', { chapter: 'speed', seeds: 3, steps: 60, eval_every: 20, grid: 8 }],
  ['distribution', { chapter: 'distribution', seeds: 3, steps: 60 }],
  ['shift', { chapter: 'shift', seeds: 3, steps: 60, grid: 6, data: { n_train: 256, n_test: 256 } }],
  ['ics', { chapter: 'ics', seeds: 3, steps: 60, measure_every: 10, model: { hidden: [16, 16, 16] }, data: { n_train: 256, n_test: 256 } }],
  ['noise', { chapter: 'noise', seeds: 3, batches: 40, train_steps: 20, batch_sizes: [16, 64, 256], data: { n_train: 256 } }],
  ['inference', { chapter: 'inference', seeds: 3, checkpoints: [15, 30], curve_every: 10, test_batch_sizes: [1, 16], data: { n_train: 128, n_test: 128 } }],
];
for (const [name, spec] of seedChapters) {
  test(`${name} as cells: one per seed (seeds = 200 is 200 cells), merged into the bytes of bnlab run`, needsCli, () => {
    const specPath = write(`${name}.json`, spec);
    assert.equal(ok(['cells', specPath, '--count']).stdout, '3\n');
    const out = path.join(tmp, `${name}-out`);
    for (const k of [2, 0, 1]) ok(['run', specPath, '--quiet', '--cell', String(k), '--out-dir', out]);
    const merged = ok(['merge', specPath, out]).stdout;
    assert.ok(merged === ok(['run', specPath, '--quiet']).stdout, 'merge = run');
    assert.ok(merged === ok(['run', specPath, '--quiet', '--jobs', '2']).stdout, 'merge = run --jobs 2');
    const partial = JSON.parse(ok(['merge', specPath, path.join(out, 'cell-000002.json'), '--partial']).stdout);
    assert.equal(partial.complete, false);
    assert.equal(partial.seed_runs.length, 1);
    assert.equal(ok(['cells', write(`${name}-200.json`, { chapter: name, seeds: 200 }), '--count']).stdout, '200\n');
    assert.match(bnlab(['validate', write(`${name}-200.json`, { chapter: name, seeds: 200 })]).stderr, /spec\.seeds = 200: must be a whole number/);
  });
}
