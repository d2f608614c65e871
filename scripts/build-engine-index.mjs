// Writes web/generated/engine-index.json: what the page asks of every chapter before it runs one
// (the chapter list, each chapter's preset and the data it needs), read from the full module, plus
// the chapters the first chapter's module holds. The engine host answers those questions from it
// while it runs on bnlab-first.mjs (web/src/host.js), so opening the first chapter never fetches the
// full module. It checks that the first module's presets are the full module's.
//
//   node scripts/build-engine-index.mjs      (bash scripts/build.sh wasm runs it after the link)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'web', 'generated');
const out = path.join(dir, 'engine-index.json');

async function load(name) {
  const file = path.join(dir, `${name}.mjs`);
  const url = pathToFileURL(file).href;
  globalThis.require ??= createRequire(url);  // Emscripten 3.1.6's ES module reads both under Node
  globalThis.__dirname ??= dir;
  const factory = (await import(url)).default;
  return factory({ wasmBinary: fs.readFileSync(path.join(dir, `${name}.wasm`)) });
}

const presetOf = (m, chapter) => {
  const o = m.preset(chapter);
  if (!o.ok) throw new Error(`preset ${chapter}: ${o.error}`);
  return JSON.parse(o.value);
};

if (!fs.existsSync(path.join(dir, 'bnlab-first.wasm')) || !fs.existsSync(path.join(dir, 'bnlab.wasm'))) {
  fs.rmSync(out, { force: true });  // no index: the page loads the full module at once
  console.log('[engine-index] bnlab.wasm or bnlab-first.wasm missing: no index written');
} else {
  const full = await load('bnlab');
  const first = await load('bnlab-first');
  const chapters = Array.from(full.chapters());
  const firstChapters = Array.from(first.chapters());
  const index = { chapters, first: firstChapters, presets: {}, requiredData: {} };
  for (const c of chapters) {
    index.presets[c] = presetOf(full, c);
    index.requiredData[c] = full.requiredData(c);
  }
  for (const c of firstChapters) {
    if (!chapters.includes(c)) throw new Error(`bnlab-first has chapter ${c}, which bnlab does not`);
    if (JSON.stringify(presetOf(first, c)) !== JSON.stringify(index.presets[c])) throw new Error(`preset ${c}: bnlab-first's differs from bnlab's`);
  }
  fs.writeFileSync(out, `${JSON.stringify(index)}\n`);
  console.log(`[engine-index] web/generated/engine-index.json: ${chapters.length} chapters, first module: ${firstChapters.join(', ')} (${(fs.statSync(out).size / 1024).toFixed(1)} KB)`);
}
