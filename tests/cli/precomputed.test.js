// Chapter 3b's shipped sweep (web/src/chapters/regularization-precomputed.js) holds the numbers the
// current core computes for the preset, not only its spec: a change of the core's bits (a new kernel)
// without rerunning scripts/precompute-regularization.mjs fails here.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'build', 'native', 'bnlab');

test('the precomputed 3b sweep equals a fresh native run of the preset', { skip: !fs.existsSync(cli) && 'the native CLI is not built' }, () => {
  const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'precompute-regularization.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /matches a fresh run of the preset/);
});
