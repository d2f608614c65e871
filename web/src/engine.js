// Loads the WebAssembly module and wraps the facade (bindings/embind.cpp) in plain JS values.
// Works in a page, a worker and Node (pass {wasmBinary} and the module's file path in Node).
import { unpack } from './unpack.js';

export const defaultModuleUrl = new URL('../generated/bnlab.mjs', import.meta.url).href;

async function loadFactory(moduleUrl) {
  if (typeof globalThis.createBnlab === 'function') return globalThis.createBnlab;
  const mod = await import(moduleUrl);
  return mod.default || mod.createBnlab;
}

// Emscripten 3.1.6's ES module output still reads __dirname and require() under Node.
async function prepareNode(moduleUrl) {
  const isNode = typeof process === 'object' && process.versions?.node && typeof window === 'undefined'
    && typeof importScripts !== 'function';
  if (!isNode) return;
  const { createRequire } = await import('node:module');
  const { fileURLToPath } = await import('node:url');
  const path = await import('node:path');
  globalThis.require ??= createRequire(moduleUrl);
  globalThis.__dirname ??= path.dirname(fileURLToPath(moduleUrl));
}

function outcomeOf(raw, parse = true) {
  if (!raw || !raw.ok) return { ok: false, error: raw?.error || 'engine returned nothing', value: null };
  if (!parse || !raw.value) return { ok: true, error: '', value: raw.value || null };
  try {
    return { ok: true, error: '', value: JSON.parse(raw.value) };
  } catch {
    return { ok: true, error: '', value: raw.value };
  }
}

export async function loadEngine({ moduleUrl = defaultModuleUrl, wasmBinary, locateFile } = {}) {
  await prepareNode(moduleUrl);
  const factory = await loadFactory(moduleUrl);
  const options = {};
  if (wasmBinary) options.wasmBinary = wasmBinary;
  if (locateFile) options.locateFile = locateFile;
  const module = await factory(options);
  return wrapModule(module);
}

export function wrapModule(module) {
  const stringify = (spec) => (typeof spec === 'string' ? spec : JSON.stringify(spec));
  return {
    chapters: () => Array.from(module.chapters()),
    preset: (chapter) => outcomeOf(module.preset(String(chapter))),
    validate: (spec) => outcomeOf(module.validate(stringify(spec))),
    run: (spec, onProgress) => outcomeOf(module.run(stringify(spec), onProgress || null)),
    // The data a chapter needs from the host ('' = none), e.g. 'fashion-mnist' for images.
    requiredData: (chapter) => module.requiredData(String(chapter)),
    createLab() {
      const lab = new module.Lab();
      return {
        start: (spec) => outcomeOf(lab.start(stringify(spec)), false),
        // bytes: a Uint8Array (copied into the module); kept for every later start of this lab.
        provideData: (name, bytes) => outcomeOf(lab.provideData(String(name), bytes), false),
        advance: (units) => outcomeOf(lab.advance(Math.max(1, Math.floor(units))), false),
        running: () => lab.running(),
        done: () => lab.done(),
        progress: () => lab.progress(),
        cancel: () => lab.cancel(),
        packed: () => lab.result(),
        result: () => unpack(lab.result()),
        resultJson: () => lab.resultJson(),
        dispose: () => lab.delete(),
      };
    },
  };
}
