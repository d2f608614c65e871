// Shared by the Node tests: the wasm module from web/generated and the native CLI from build/.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadNodeEngine } from './node-engine.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const generated = process.env.BNLAB_WASM_DIR || path.join(repoRoot, 'web', 'generated');
export const modulePath = path.join(generated, 'bnlab.mjs');
export const wasmPath = path.join(generated, 'bnlab.wasm');

let enginePromise = null;
export function engine() {
  if (!fs.existsSync(modulePath) || !fs.existsSync(wasmPath)) {
    throw new Error(`${modulePath} is missing: build the wasm first (npm run build)`);
  }
  enginePromise ??= loadNodeEngine(modulePath, wasmPath);
  return enginePromise;
}

export function cliPath() {
  const candidates = [process.env.BNLAB_CLI, path.join(repoRoot, 'build', 'native', 'bnlab'), path.join(repoRoot, 'build', 'bnlab')];
  return candidates.find((p) => p && fs.existsSync(p)) || null;
}

export function runCli(args, input) {
  const result = spawnSync(cliPath(), args, { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function cliJson(args, input) {
  return JSON.parse(execFileSync(cliPath(), args, { input, encoding: 'utf8', maxBuffer: 1 << 30 }));
}

// The images chapter's data: the page's Fashion-MNIST subset (scripts/build-data.mjs writes it
// during the wasm build), or null when it is absent (the package is not installed).
export const fashionSubsetPath = process.env.BNLAB_FASHION_SUBSET || path.join(generated, 'fashion-mnist-subset.bin');
export function chapterData(e, chapter) {
  const name = e.requiredData(chapter);
  if (!name) return {};
  if (!fs.existsSync(fashionSubsetPath)) return null;
  return { [name]: new Uint8Array(fs.readFileSync(fashionSubsetPath)) };
}

// Runs a spec to the end through the steppable session, as the page does; `data` (name -> bytes)
// is provided to the lab first.
export function runToEnd(e, spec, { units = 2000, maxSlices = 1e6, data = {} } = {}) {
  const lab = e.createLab();
  try {
    for (const [name, bytes] of Object.entries(data)) {
      const given = lab.provideData(name, bytes);
      if (!given.ok) throw new Error(given.error);
    }
    const started = lab.start(spec);
    if (!started.ok) throw new Error(started.error);
    let slices = 0;
    while (!lab.done() && slices++ < maxSlices) {
      const o = lab.advance(units);
      if (!o.ok) throw new Error(o.error);
    }
    return lab.result();
  } finally {
    lab.dispose();
  }
}

// Walks two JSON-like values (typed arrays count as arrays; null and NaN are "no number") and
// returns the largest absolute difference of numeric leaves, plus the first structural mismatch.
export function compareNumbers(a, b, where = '$', acc = { maxDiff: 0, at: '', mismatch: null, leaves: 0 }) {
  const isArr = (v) => Array.isArray(v) || ArrayBuffer.isView(v);
  const none = (v) => v === null || (typeof v === 'number' && Number.isNaN(v));
  if (acc.mismatch) return acc;
  if (none(a) && none(b)) return acc;
  if (typeof a === 'number' && typeof b === 'number') {
    acc.leaves += 1;
    const d = Math.abs(a - b);
    if (d > acc.maxDiff || Number.isNaN(d)) {
      acc.maxDiff = Number.isNaN(d) ? Infinity : d;
      acc.at = where;
    }
    return acc;
  }
  if (isArr(a) && isArr(b)) {
    if (a.length !== b.length) acc.mismatch = `${where}: length ${a.length} vs ${b.length}`;
    else for (let i = 0; i < a.length; i += 1) compareNumbers(a[i], b[i], `${where}[${i}]`, acc);
    return acc;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (!(k in a) || !(k in b)) {
        acc.mismatch = `${where}.${k}: present on one side only`;
        return acc;
      }
      compareNumbers(a[k], b[k], `${where}.${k}`, acc);
    }
    return acc;
  }
  if (a !== b) acc.mismatch = `${where}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  return acc;
}
