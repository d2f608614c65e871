// Training throughput of the wasm build under Node (V8, the engine of Chromium): the same
// benchmark as `bnlab bench`, through the module's bench binding when it has one.
//   node scripts/bench-wasm.mjs [steps]
// Hook: the bindings may register `bench(steps)` (or `benchTraining(steps)`) returning the core's
// BenchFigure list as JSON text, as an array of {name, samples_per_second, steps, batch, seconds},
// or as an object {ok, value} with either of those in value. Until they do, this says so and exits 0.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.env.BNLAB_WASM_DIR || path.join(root, 'web', 'generated');
const modulePath = path.join(dir, 'bnlab.mjs');
const wasmPath = path.join(dir, 'bnlab.wasm');
const steps = Number(process.argv[2] || process.env.BNLAB_BENCH_STEPS || 3000);

if (!fs.existsSync(modulePath) || !fs.existsSync(wasmPath)) {
  console.log(`[bench-wasm] skipped: ${path.relative(root, modulePath)} is not built (npm run build)`);
  process.exit(0);
}
const { default: createBnlab } = await import(pathToFileURL(modulePath).href);
const lab = await createBnlab({ wasmBinary: fs.readFileSync(wasmPath) });
const bench = lab.bench || lab.benchTraining;
if (typeof bench !== 'function') {
  console.log('[bench-wasm] skipped: the module has no bench(steps) binding yet (hook: bindings/*.cpp)');
  process.exit(0);
}

let figures = bench.call(lab, steps);
if (figures && typeof figures === 'object' && 'ok' in figures) {
  if (!figures.ok) throw new Error(`bench failed: ${figures.error}`);
  figures = figures.value ?? figures.json;
}
if (typeof figures === 'string') figures = JSON.parse(figures);
if (figures && typeof figures.size === 'function') { // an embind vector
  const list = [];
  for (let i = 0; i < figures.size(); i++) list.push(figures.get(i));
  figures = list;
}
for (const f of figures) {
  const name = f.name ?? '?';
  const sps = f.samples_per_second ?? f.samplesPerSecond;
  const extra = f.steps ? `  (${f.steps} steps of batch ${f.batch} in ${Number(f.seconds).toFixed(3)} s)` : '';
  console.log(`wasm ${name.padEnd(44)} ${Math.round(sps).toString().padStart(12)} samples/s${extra}`);
}
