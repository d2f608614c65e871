// Loads the WebAssembly module and wraps the facade (bindings/embind.cpp) in plain JS values.
// Works in a page and a worker; under Node, tests/js/node-engine.js prepares the globals
// Emscripten's output needs and passes {wasmBinary}.
/** @typedef {import('./bnlab-module').BnlabModule} BnlabModule */
/** @typedef {import('./bnlab-module').BnlabFactory} BnlabFactory */
/** @typedef {import('./bnlab-module').BnlabModuleOptions} BnlabModuleOptions */
/** @typedef {import('./bnlab-module').RawOutcome} RawOutcome */
/** @typedef {import('./protocol.js').ParsedJson} ParsedJson */
/**
 * @template [V=any]
 * @typedef {import('./protocol.js').Outcome<V>} Outcome
 */
export const defaultModuleUrl = new URL('../generated/bnlab.mjs', import.meta.url).href;

/** @param {string} moduleUrl @returns {Promise<BnlabFactory>} */
async function loadFactory(moduleUrl) {
  if (typeof globalThis.createBnlab === 'function') return globalThis.createBnlab;
  const mod = await import(moduleUrl);
  return mod.default || mod.createBnlab;
}

// The value is the core's JSON text, parsed (or the text itself when `parse` is false or it is
// not JSON).
/** @param {RawOutcome | null | undefined} raw @param {boolean} [parse] @returns {Outcome<ParsedJson>} */
function outcomeOf(raw, parse = true) {
  if (!raw || !raw.ok) return { ok: false, error: raw?.error || 'engine returned nothing', value: null };
  if (!parse || !raw.value) return { ok: true, error: '', value: raw.value || null };
  try {
    return { ok: true, error: '', value: JSON.parse(raw.value) };
  } catch {
    return { ok: true, error: '', value: raw.value };
  }
}

// The one-file engine (bnlab-single.js, a classic script) carries its wasm as base64 text, which
// scripts/build-single.mjs hoists into globalThis.bnlabWasmBase64: decoded here and handed to the
// factory as wasmBinary, so Emscripten never fetch()es its data: URL (the lab's CSP connect-src
// refuses that fetch, and a sandboxed frame then reports a violation before Emscripten decodes it).
/** @returns {Uint8Array | null} */
export function inlinedWasm() {
  const text = /** @type {any} */ (globalThis).bnlabWasmBase64;
  if (typeof text !== 'string' || !text) return null;
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

/**
 * @param {{ moduleUrl?: string, wasmBinary?: ArrayBuffer | Uint8Array,
 *           locateFile?: (path: string, prefix: string) => string }} [options]
 */
export async function loadEngine({ moduleUrl = defaultModuleUrl, wasmBinary, locateFile } = {}) {
  const factory = await loadFactory(moduleUrl);
  /** @type {BnlabModuleOptions} */
  const options = {};
  const bytes = wasmBinary || (typeof globalThis.createBnlab === 'function' ? inlinedWasm() : null);
  if (bytes) options.wasmBinary = bytes;
  if (locateFile) options.locateFile = locateFile;
  const module = await factory(options);
  return wrapModule(module);
}

// The largest slice the engine takes at once (a long in wasm32); advance() loops above it.
export const maxAdvanceUnits = 2147483647;
const maxSpecDepth = 32;  // as the C++ side (kMaxSpecDepth in native/include/bnlab/spec.h)

/** @param {unknown} text @param {number} [max] */
const clip = (text, max = 60) => {
  const s = String(text).replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return s.length > max ? `${s.slice(0, max)}...` : s;
};
/** @param {string} error @returns {Outcome<null>} */
const failed = (error) => ({ ok: false, error, value: null });

// JSON.stringify would turn NaN and Infinity into null ("use the default"), drop undefined from
// arrays' meaning, throw on BigInt and cycles: refuse those here, naming the field.
/**
 * @param {unknown} value @param {string} path @param {number} depth @param {Set<object>} seen
 * @returns {string | null}
 */
function specProblem(value, path, depth, seen) {
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} = ${value}: must be a finite number`;
  if (typeof value === 'bigint') return `${path} = ${clip(value)}n: must be a number, not a BigInt`;
  if (typeof value === 'function' || typeof value === 'symbol') return `${path}: a ${typeof value} is not a JSON value`;
  if (value === undefined) return `${path} = undefined: not a JSON value (leave the field out for its default)`;
  if (value === null || typeof value !== 'object') return null;
  if (depth >= maxSpecDepth) return `${path}: nested more than ${maxSpecDepth} levels deep`;
  if (seen.has(value)) return `${path}: refers back to itself (a cycle)`;
  seen.add(value);
  /** @type {Array<[string, unknown]>} */
  const entries = Array.isArray(value) ? Array.from(value, (v, i) => [`${path}[${i}]`, v])  // holes too
    : Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [`${path}.${clip(k, 40)}`, v]);
  for (const [where, v] of entries) {
    const problem = specProblem(v, where, depth + 1, seen);
    if (problem) return problem;
  }
  seen.delete(value);
  return null;
}

// -> {text} or {error}; the page's runner uses it too, before a spec crosses to the worker.
/**
 * @param {unknown} spec whatever a caller passed
 * @returns {{ text: string, error?: undefined } | { text?: undefined, error: string }}
 */
export function specText(spec) {
  if (typeof spec === 'string') return { text: spec };
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    return { error: `spec = ${clip(typeof spec === 'string' ? spec : String(spec))}: must be an object or JSON text` };
  }
  const problem = specProblem(spec, 'spec', 0, new Set());
  return problem ? { error: problem } : { text: JSON.stringify(spec) };
}

/**
 * @template V
 * @param {unknown} spec @param {(text: string) => Outcome<V>} call @returns {Outcome<V | null>}
 */
const withSpec = (spec, call) => {
  const checked = specText(spec);
  return checked.error !== undefined ? failed(checked.error) : call(checked.text);
};

/** @param {BnlabModule} module */
export function wrapModule(module) {
  return {
    chapters: () => Array.from(module.chapters()),
    /** @param {unknown} chapter */
    preset: (chapter) => (typeof chapter === 'string' ? outcomeOf(module.preset(chapter))
      : failed(`chapter = ${clip(String(chapter))}: must be a chapter name (a string)`)),
    /** @param {unknown} spec */
    validate: (spec) => withSpec(spec, (text) => outcomeOf(module.validate(text))),
    /** @param {unknown} spec @param {unknown} [onProgress] (fraction) => void */
    run: (spec, onProgress) => {
      if (onProgress != null && typeof onProgress !== 'function') return failed('onProgress: must be a function');
      return withSpec(spec, (text) => outcomeOf(module.run(text, /** @type {((fraction: number) => void) | null} */ (onProgress || null))));
    },
    heap: () => (typeof module.heap === 'function' ? module.heap() : null),
    // Sweep cells (issue 7); merge's value stays text so the page can compare it byte for byte
    // with `bnlab run`.
    hasCells: () => typeof module.cells === 'function' && typeof module.merge === 'function',
    /** @param {unknown} spec */
    cells: (spec) => withSpec(spec, (text) => outcomeOf(module.cells(text))),
    /** @param {unknown} spec @param {unknown} results JSON text, or a value to stringify */
    merge: (spec, results) => withSpec(spec, (text) => outcomeOf(module.merge(text, typeof results === 'string' ? results : JSON.stringify(results)), false)),
    // The data a chapter needs from the host ('' = none), e.g. 'fashion-mnist' for images.
    /** @param {unknown} chapter @returns {string} */
    requiredData: (chapter) => module.requiredData(String(chapter)),
    createLab() {
      const lab = new module.Lab();
      return {
        /** @param {unknown} spec */
        start: (spec) => withSpec(spec, (text) => outcomeOf(lab.start(text), false)),
        // bytes: a Uint8Array (copied into the module); kept for every later start of this lab.
        /** @param {string} name @param {Uint8Array} bytes */
        provideData: (name, bytes) => outcomeOf(lab.provideData(String(name), bytes), false),
        // units: a whole number in [1, 2^53 - 1]; above maxAdvanceUnits it goes in slices of that.
        /** @param {unknown} units @returns {Outcome<ParsedJson>} */
        advance(units) {
          if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 1) {
            const shown = typeof units === 'string' ? JSON.stringify(units) : typeof units === 'bigint' ? `${units}n` : String(units);
            return failed(`advance: units = ${clip(shown)}: must be a whole number in [1, ${Number.MAX_SAFE_INTEGER}]`);
          }
          let left = units;
          let outcome;
          do {
            const slice = Math.min(left, maxAdvanceUnits);
            outcome = outcomeOf(lab.advance(slice), false);
            left -= slice;
          } while (outcome.ok && left > 0 && !lab.done() && lab.running());
          return outcome;
        },
        running: () => lab.running(),
        done: () => lab.done(),
        progress: () => lab.progress(),
        cancel: () => lab.cancel(),
        // The result as the core's JSON text (what the host posts) and parsed once: plain Arrays.
        resultJson: () => lab.resultJson(),
        /** @returns {import('./protocol.js').ResultJson} */
        result: () => JSON.parse(lab.resultJson()),
        dispose: () => lab.delete(),
      };
    },
  };
}

/** The engine as JS values (what loadEngine resolves to). @typedef {ReturnType<typeof wrapModule>} Engine */
/** One steppable run of an Engine. @typedef {ReturnType<Engine['createLab']>} EngineLab */
