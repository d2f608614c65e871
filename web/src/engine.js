// Loads the WebAssembly module and wraps the facade (bindings/embind.cpp) in plain JS values.
// Works in a page and a worker; under Node, tests/js/node-engine.js prepares the globals
// Emscripten's output needs and passes {wasmBinary}.
/** @typedef {import('./bnlab-module').BnlabModule} BnlabModule */
/** @typedef {import('./bnlab-module').BnlabFactory} BnlabFactory */
export const defaultModuleUrl = new URL('../generated/bnlab.mjs', import.meta.url).href;

/** @returns {Promise<BnlabFactory>} */
async function loadFactory(moduleUrl) {
  if (typeof globalThis.createBnlab === 'function') return globalThis.createBnlab;
  const mod = await import(moduleUrl);
  return mod.default || mod.createBnlab;
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

/**
 * @param {{ moduleUrl?: string, wasmBinary?: ArrayBuffer | Uint8Array,
 *           locateFile?: (path: string, prefix: string) => string }} [options]
 */
export async function loadEngine({ moduleUrl = defaultModuleUrl, wasmBinary, locateFile } = {}) {
  const factory = await loadFactory(moduleUrl);
  const options = {};
  if (wasmBinary) options.wasmBinary = wasmBinary;
  if (locateFile) options.locateFile = locateFile;
  const module = await factory(options);
  return wrapModule(module);
}

/** @param {BnlabModule} module */
export function wrapModule(module) {
  const stringify = (spec) => (typeof spec === 'string' ? spec : JSON.stringify(spec));
  return {
    chapters: () => Array.from(module.chapters()),
    preset: (chapter) => outcomeOf(module.preset(String(chapter))),
    validate: (spec) => outcomeOf(module.validate(stringify(spec))),
    run: (spec, onProgress) => outcomeOf(module.run(stringify(spec), onProgress || null)),
    // Sweep cells (issue 7): present once the core registers cells/merge; merge's value stays text so
    // the page can compare it byte for byte with `bnlab run`.
    hasCells: () => typeof module.cells === 'function' && typeof module.merge === 'function',
    cells: (spec) => (typeof module.cells === 'function' ? outcomeOf(module.cells(stringify(spec)))
      : { ok: false, error: 'this build of the engine has no cells()', value: null }),
    merge: (spec, results) => (typeof module.merge === 'function' ? outcomeOf(module.merge(stringify(spec), stringify(results)), false)
      : { ok: false, error: 'this build of the engine has no merge()', value: null }),
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
        // The result as the core's JSON text (what the host posts) and parsed once: plain Arrays.
        resultJson: () => lab.resultJson(),
        result: () => JSON.parse(lab.resultJson()),
        dispose: () => lab.delete(),
      };
    },
  };
}
