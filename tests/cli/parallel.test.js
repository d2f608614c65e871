// A real scheduler: GNU parallel runs a regularization sweep and the images chapter as cells
// (`parallel -j 2 bnlab run SPEC --cell {} --out-dir DIR`), one job is killed midway, the same
// line run again resumes (only the missing cells run), and `bnlab merge` gives the bytes of
// `bnlab run`. Without GNU parallel (Debian's `parallel`, installed by scripts/setup.sh) or the
// Fashion-MNIST files these tests are skipped, saying why: never passed.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { cliPath } from '../js/helpers.js';

const cli = cliPath();
const parallel = spawnSync('parallel', ['--version'], { encoding: 'utf8' });
const hasParallel = parallel.status === 0 && /GNU parallel/.test(parallel.stdout);
const skip = !cli ? 'build the native CLI first (bash scripts/build.sh native)'
  : !hasParallel ? 'GNU parallel is not installed (apt-get install parallel; scripts/setup.sh does)' : false;
const fashionDir = process.env.BNLAB_FASHION_MNIST || '/usr/share/datasets/fashion-mnist';
const hasFashion = fs.existsSync(path.join(fashionDir, 't10k-labels-idx1-ubyte.gz')) || fs.existsSync(path.join(fashionDir, 't10k-labels-idx1-ubyte'));
const skipImages = skip || (!hasFashion && `the Fashion-MNIST files are not in ${fashionDir} (apt-get install dataset-fashion-mnist)`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnlab-parallel-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bnlab = (args) => {
  const r = spawnSync(cli, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, `bnlab ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

// The bnlab processes running cells into `outDir` (children of parallel, started by this test).
function runningCells(outDir) {
  const found = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmd[0] === cli && cmd.includes('--out-dir') && cmd.includes(outDir)) found.push(Number(pid));
  }
  return found;
}

// parallel -j 2 over every cell; with `killOne`, a job that started after the first cell finished
// is killed (SIGKILL) while it runs: one started early could be writing its result just then.
// Resolves with parallel's exit status, stderr and the killed job's pid.
function parallelCells(specPath, n, outDir, killOne) {
  return new Promise((resolve, reject) => {
    const args = ['-j', '2', cli, 'run', specPath, '--quiet', '--cell', '{}', '--out-dir', outDir, ':::', ...Array.from({ length: n }, (_, k) => String(k))];
    const job = spawn('parallel', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let killed = null;
    job.stderr.on('data', (d) => { stderr += d; });
    const early = new Set();  // jobs seen running before any cell had finished
    const timer = killOne && setInterval(() => {
      if (killed !== null) return;
      const done = fs.existsSync(outDir) ? fs.readdirSync(outDir).filter((f) => /^cell-\d+\.json$/.test(f)).length : 0;
      const running = runningCells(outDir);
      if (done === 0) {
        for (const pid of running) early.add(pid);
        return;
      }
      const fresh = running.find((pid) => !early.has(pid));
      if (fresh !== undefined) {
        killed = fresh;
        process.kill(killed, 'SIGKILL');
      }
    }, 20);
    job.on('error', reject);
    job.on('close', (status) => {
      if (timer) clearInterval(timer);
      resolve({ status, stderr, killed });
    });
  });
}

const cellFiles = (dir) => fs.readdirSync(dir).filter((f) => /^cell-\d+\.json$/.test(f)).sort();

async function killResumeMerge(t, name, spec) {
  const specPath = path.join(tmp, `${name}.json`);
  fs.writeFileSync(specPath, JSON.stringify(spec));
  const n = Number(bnlab(['cells', specPath, '--count']));
  const outDir = path.join(tmp, `${name}-out`);
  const first = await parallelCells(specPath, n, outDir, true);
  assert.ok(first.killed !== null, 'a running job was found and killed');
  // parallel's status is the number of failed jobs: the killed one.
  assert.equal(first.status, 1, first.stderr);
  const afterKill = cellFiles(outDir);
  assert.ok(afterKill.length < n, `the killed cell left no result (${afterKill.length} of ${n})`);
  assert.deepEqual(fs.readdirSync(outDir).filter((f) => !/^cell-\d+\.json$/.test(f)), [], 'no temporary file is left behind');
  const missing = spawnSync(cli, ['merge', specPath, outDir], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, new RegExp(`^bnlab: merge: ${n - afterKill.length} of ${n} cells missing: `));
  const kept = Object.fromEntries(afterKill.map((f) => [f, fs.readFileSync(path.join(outDir, f), 'latin1')]));
  // The same line again: the finished cells are skipped (their files untouched), the rest run.
  const second = await parallelCells(specPath, n, outDir, false);
  assert.equal(second.status, 0, second.stderr);
  assert.equal(cellFiles(outDir).length, n);
  for (const [f, bytes] of Object.entries(kept)) assert.equal(fs.readFileSync(path.join(outDir, f), 'latin1'), bytes, `${f} rewritten`);
  const merged = bnlab(['merge', specPath, outDir]);
  const whole = bnlab(['run', specPath, '--quiet']);
  assert.ok(merged === whole, `${name}: bnlab merge differs from bnlab run (${merged.length} vs ${whole.length} bytes)`);
  t.diagnostic(`${name}: ${n} cells; job ${first.killed} killed while running, ${afterKill.length} finished in the first pass; the rerun ran the rest; merge = run (${whole.length} bytes)`);
}

test('GNU parallel -j 2: a regularization sweep as cells, one job killed, rerun resumes, merge = run byte for byte', { skip }, async (t) => {
  await killResumeMerge(t, 'regularization', {
    chapter: 'regularization', seeds: 3, epochs: 40, configs: ['none', 'bn'], batch_sizes: [64, 256], eval_every: 10, grid: 6,
  });
});

test('GNU parallel -j 2: the images chapter as cells (one per net and seed), one job killed, rerun resumes, merge = run', { skip: skipImages }, async (t) => {
  await killResumeMerge(t, 'images', {
    chapter: 'images', seeds: 2, steps: 60, eval_every: 20, probe_every: 20, data: { source: 'fashion-mnist', n_train: 6000, n_test: 1000 },
  });
});
