// The engine host: owns the wasm module and the runs, and advances the active run in time slices.
// The same code runs inside the worker and, when no worker can be made, on the main thread.
//
// Two tiers (issue 19: the first chapter's bytes): asked to (init's firstModuleUrl, indexUrl), the
// host starts on the first chapter's module (bnlab-first.mjs, the core with that chapter alone, well
// under half the bytes) and answers what the page asks of the other chapters at start (their
// presets, the chapter list, the data they need) from engine-index.json, which the build wrote
// from the full module (scripts/build-engine-index.mjs). The first message that needs another
// chapter's code (validating, starting, splitting or merging its spec, a preset the index lacks)
// loads the full module (bnlab.mjs); that message and every later one wait for it, in order.
// A moment after a run on the first tier is done, the full module loads in the background and is
// warmed: a short run of the next chapter's preset, so that V8 has compiled its hot code with its
// optimizing tier before the student opens that chapter (otherwise its first seconds run on the
// baseline tier, and its first chart comes later than on a page that started on the full module).
import { loadEngine } from './engine.js';
import { fromHost, runState, toHost } from './protocol.js';

/**
 * @template [V=any]
 * @typedef {import('./protocol.js').Outcome<V>} Outcome
 */
/** @typedef {import('./protocol.js').CallMessage} CallMessage */
/** @typedef {import('./protocol.js').CallArgs} CallArgs */
/** @typedef {import('./protocol.js').CallValues} CallValues */
/** @typedef {import('./protocol.js').InitMessage} InitMessage */
/** @typedef {import('./protocol.js').StartMessage} StartMessage */
/** @typedef {import('./protocol.js').ToHostMessage} ToHostMessage */
/** @typedef {import('./protocol.js').FromHostMessage} FromHostMessage */
/** @typedef {import('./protocol.js').RunId} RunId */
/** @typedef {import('./protocol.js').RunState} RunState */
/** @typedef {import('./engine.js').Engine} Engine */
/** @typedef {import('./engine.js').EngineLab} EngineLab */
/** @typedef {import('./protocol.js').ParsedJson} ParsedJson */
/**
 * engine-index.json: every chapter of the full module, each one's preset and data name, and the
 * chapters the first module holds.
 * @typedef {{ chapters: string[], first: string[], presets: Record<string, ParsedJson>,
 *             requiredData: Record<string, string> }} EngineIndex
 */
/** The first chapter's module while it serves. @typedef {{ engine: Engine, chapters: Set<string>, index: EngineIndex }} FirstTier */

/**
 * One run the host holds: its lab, its state and the figures of its slices and publishes.
 * @typedef {{ id: RunId, lab: EngineLab, state: RunState, units: number, elapsedMs: number,
 *             lastPost: number, publishMs: number, publishes: number, publishCost: number,
 *             postEveryMs: number }} Run
 */

// A table lookup that ignores Object.prototype ('constructor', '__proto__' are not messages).
/** @param {object} table @param {unknown} key @returns {boolean} */
const own = (table, key) => typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key);

const now = () => (typeof performance === 'object' ? performance.now() : Date.now());

// Units per slice adapt so that one slice takes about targetMs of work.
/** @param {number} units @param {number} elapsedMs @param {number} targetMs */
export function adaptUnits(units, elapsedMs, targetMs) {
  if (elapsedMs < 1) return Math.min(units * 2, 1e6);
  const scaled = (units * targetMs) / elapsedMs;
  return Math.max(1, Math.min(Math.round(Math.min(Math.max(scaled, units / 2), units * 2)), 1e6));
}

// The wait between two live publishes: at least minMs, and long enough that a publish costing
// costMs (result JSON + posting it, + parsing it on the main thread) stays within `share` of the
// time spent, so publishing a large result cannot eat the training time (issue 8: <= 10%).
/** @param {number} costMs @param {number} minMs @param {number} share */
export function publishInterval(costMs, minMs, share) {
  const ms = Number.isFinite(costMs) && costMs > 0 ? costMs / share : 0;
  return Math.min(Math.max(minMs, ms), 10000);
}

// The chapter a spec's JSON text names, or null (not JSON, not an object, no chapter string).
/** @param {unknown} text @returns {string | null} */
export function chapterOfSpec(text) {
  if (typeof text !== 'string') return null;
  try {
    const spec = JSON.parse(text);
    return spec && typeof spec === 'object' && typeof spec.chapter === 'string' ? spec.chapter : null;
  } catch {
    return null;
  }
}

/** @param {unknown} index @returns {index is EngineIndex} */
const isIndex = (index) => {
  const i = /** @type {Partial<EngineIndex> | null} */ (index);
  return !!i && Array.isArray(i.first) && Array.isArray(i.chapters) && typeof i.presets === 'object' && !!i.presets
    && typeof i.requiredData === 'object' && !!i.requiredData;
};

// The first tier, or null when it cannot serve (no index, another build's index, a chapter it
// lacks, the one-file engine): the host then loads the full module as before.
/**
 * @param {import('./protocol.js').InitMessage} message
 * @param {{ wasmBinary?: ArrayBuffer | Uint8Array }} engineOptions
 * @returns {Promise<FirstTier | null>}
 */
async function loadFirstTier(message, engineOptions) {
  const { firstModuleUrl, indexUrl, firstChapter } = message;
  if (!firstModuleUrl || !indexUrl || engineOptions.wasmBinary || typeof globalThis.createBnlab === 'function') return null;
  try {
    const response = await fetch(indexUrl);
    if (!response.ok) return null;
    const index = await response.json();
    if (!isIndex(index)) return null;
    if (firstChapter && !index.first.includes(firstChapter)) return null;
    const engine = await loadEngine({ moduleUrl: firstModuleUrl, ...engineOptions });
    const names = engine.chapters();
    // Made by the same build: the same chapters, each preset the index's.
    const same = JSON.stringify(names) === JSON.stringify(index.first)
      && names.every((c) => JSON.stringify(engine.preset(c).value) === JSON.stringify(index.presets[c]));
    return same ? { engine, chapters: new Set(names), index } : null;
  } catch {
    return null;
  }
}

// `defer(fn)` runs the next slice after the messages already queued: setTimeout by default (the
// main thread, where drawing must get its turn); a worker passes a MessageChannel-based one, since
// a chain of setTimeout(0) is clamped to >= 4 ms after five levels (10% of a 40 ms slice lost).
/**
 * @param {(message: FromHostMessage, transfer: Transferable[]) => void} post
 * @param {{ targetMs?: number, postEveryMs?: number, publishShare?: number,
 *           engineOptions?: Omit<NonNullable<Parameters<typeof loadEngine>[0]>, 'moduleUrl'>,
 *           defer?: (fn: () => void) => void, backgroundDelayMs?: number, warmMs?: number }} [options]
 * backgroundDelayMs: the wait between a first-tier run's end and the full module's background load;
 * warmMs: the work (ms) spent warming it (0: no warming).
 */
export function createHost(post, {
  targetMs = 40, postEveryMs = 100, publishShare = 0.05, engineOptions = {}, defer = /** @type {(fn: () => void) => void} */ ((fn) => { setTimeout(fn, 0); }),
  backgroundDelayMs = 1000, warmMs = 1500,
} = {}) {
  /** @type {Engine | null} */
  let engine = null;  // the full module, once loaded
  /** @type {FirstTier | null} */
  let firstTier = null;  // while the host runs on the first chapter's module
  let fullUrl = '';
  let fullError = '';  // why the full module could not load
  /** @type {ToHostMessage[] | null} */
  let held = null;  // messages waiting for the full module, in order
  /** @type {Promise<void> | null} */
  let fullLoad = null;  // the full module's load, once begun
  let backgroundQueued = false;
  /** @type {Map<RunId, Run>} */
  const runs = new Map();
  /** @type {Map<string, Uint8Array>} */
  const data = new Map();  // name -> Uint8Array: handed to every lab before it starts (provideData)
  /** @type {RunId | null} */
  let activeId = null;
  let scheduled = false;

  /** @type {(message: FromHostMessage, transfer?: Transferable[]) => void} */
  const send = (message, transfer = []) => post(message, transfer);

  // Posts the result as the core's JSON text; the page parses it once (runner.js).
  /** @param {Run} run */
  function publish(run) {
    const t0 = now();
    send({
      type: fromHost.update, runId: run.id, json: run.lab.resultJson(), progress: run.lab.progress(),
      state: run.state, units: run.units, elapsedMs: run.elapsedMs, publishMs: run.publishMs,
      postEveryMs: run.postEveryMs,
    });
    const cost = now() - t0;
    run.publishMs += cost;
    run.publishes += 1;
    // Smoothed, so that one slow publish (a GC pause) does not stall the live view.
    run.publishCost = run.publishes === 1 ? cost : 0.7 * run.publishCost + 0.3 * cost;
    run.postEveryMs = publishInterval(run.publishCost, postEveryMs, publishShare);
    run.lastPost = now();
  }

  /** @param {Run} run @param {string} error */
  function fail(run, error) {
    run.state = runState.failed;
    if (activeId === run.id) activeId = null;
    send({ type: fromHost.error, runId: run.id, error });
  }

  // One slice; returns the run's state after it, or null when the run cannot go on.
  /** @param {Run} run @returns {RunState | null} */
  function slice(run) {
    const t0 = now();
    const outcome = run.lab.advance(run.units);
    const dt = now() - t0;
    run.elapsedMs += dt;
    run.units = adaptUnits(run.units, dt, targetMs);
    if (!outcome.ok) {
      fail(run, outcome.error);
      return null;
    }
    if (run.lab.done()) run.state = runState.done;
    return run.state;
  }

  function tick() {
    scheduled = false;
    const run = activeId === null ? undefined : runs.get(activeId);
    if (!run || run.state !== runState.running) return;
    const state = slice(run);
    if (!state) return;
    if (state === runState.done || now() - run.lastPost >= run.postEveryMs) publish(run);
    if (state === runState.running) schedule();
    else activeId = null;
    // A moment after the run's end: its last results are drawn first (the page's main thread and
    // the compile share the cores).
    if (state === runState.done && firstTier && !engine && !backgroundQueued) {
      backgroundQueued = true;
      setTimeout(() => { beginFull().then(warm); }, backgroundDelayMs);
    }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    defer(tick);
  }

  /** @param {RunId} id */
  function pauseOthers(id) {
    for (const run of runs.values()) {
      if (run.id !== id && run.state === runState.running) {
        run.state = runState.paused;
        publish(run);
      }
    }
  }

  /** @param {Run} run */
  function activate(run) {
    pauseOthers(run.id);
    run.state = runState.running;
    activeId = run.id;
    schedule();
  }

  /** @param {Run} run @param {number} fraction */
  function step(run, fraction) {
    pauseOthers(run.id);
    if (activeId === run.id) activeId = null;
    const start = run.lab.progress();
    const t0 = now();
    run.state = runState.paused;
    while (now() - t0 < 1000) {
      const state = slice(run);
      if (!state) return;
      if (state === runState.done || run.lab.progress() >= start + fraction) break;
    }
    publish(run);
  }

  /** @param {RunId} id */
  function dispose(id) {
    const run = runs.get(id);
    if (!run) return;
    run.lab.cancel();
    run.lab.dispose();
    runs.delete(id);
    if (activeId === id) activeId = null;
  }

  /** @param {InitMessage} message */
  async function init(message) {
    try {
      fullUrl = message.moduleUrl;
      firstTier = await loadFirstTier(message, engineOptions);
      if (firstTier) {
        send({ type: fromHost.ready, chapters: [...firstTier.index.chapters] });
        return;
      }
      engine = await loadEngine({ moduleUrl: message.moduleUrl, ...engineOptions });
      send({ type: fromHost.ready, chapters: engine.chapters() });
    } catch (error) {
      send({ type: fromHost.failed, error: String(/** @type {Error} */ (error)?.message || error) });
    }
  }

  // The engine that serves now: the full module once loaded, else the first tier's.
  const current = () => engine || firstTier?.engine || null;
  // The first tier while it serves (the full module not loaded yet).
  const onFirst = () => (engine ? null : firstTier);
  /** @param {Engine} e */
  const chapterList = (e) => onFirst()?.index.chapters.slice() ?? e.chapters();
  /** @param {Engine} e @param {string} chapter */
  const requiredData = (e, chapter) => {
    const first = onFirst();
    return first ? (own(first.index.requiredData, chapter) ? first.index.requiredData[chapter] : '') : e.requiredData(chapter);
  };

  // Does this message need a chapter the first tier lacks?
  /** @param {ToHostMessage} message */
  function needsFull(message) {
    const first = onFirst();
    if (!first) return false;
    /** @param {string | null} chapter */
    const lacks = (chapter) => chapter === null || !first.chapters.has(chapter);
    if (message.type === toHost.start) return lacks(chapterOfSpec(message.spec));
    if (message.type !== toHost.call) return false;
    if (message.fn === 'validate' || message.fn === 'cells') return lacks(chapterOfSpec(message.arg));
    if (message.fn === 'merge') return lacks(chapterOfSpec(message.arg?.spec));
    if (message.fn === 'preset') return typeof message.arg === 'string' && lacks(message.arg) && !own(first.index.presets, message.arg);
    return false;
  }

  // Begins the full module's load, once: when a message needs it, or in the background after a
  // run on the first tier, so that the next chapter the student opens does not wait for it.
  function beginFull() {
    fullLoad ??= loadEngine({ moduleUrl: fullUrl, ...engineOptions }).then((loaded) => { engine = loaded; }, (error) => {
      fullError = `the training engine for this chapter could not load: ${String(error?.message || error)}`;
    });
    return fullLoad;
  }

  // The messages held for the full module, handled in order once it has loaded (or failed: then
  // each gets the error).
  async function releaseHeld() {
    await beginFull();
    const waiting = held || [];
    held = null;
    for (const message of waiting) handle(message);
  }

  // Warming the freshly loaded full module, while the host has nothing else to do: the first
  // tier's chapter (what a page that started on the full module has run on it: the training code
  // every chapter shares) for about warmMs of work, then the next chapter in the index's order for
  // half that, each advanced in short slices and dropped. V8 compiles a wasm function with its
  // baseline tier first and with its optimizing tier once it has run enough; without this the
  // next chapter's first seconds run on the baseline tier and its first chart comes later than on
  // a page that started on the full module (scripts/bench/second-chapter.mjs measures it).
  function warm() {
    const first = firstTier;
    if (!engine || !first || warmMs <= 0) return;
    const order = first.index.chapters;
    const at = order.findIndex((c) => first.chapters.has(c));
    const next = order.slice(at + 1).concat(order.slice(0, at)).find((c) => !first.chapters.has(c) && !first.index.requiredData[c]);
    /** @type {Array<[string, number]>} */
    const queue = [[order[at], warmMs], ...(next ? [/** @type {[string, number]} */ ([next, warmMs / 2])] : [])];
    warmEach(engine, first.index, queue);
  }

  /** @param {Engine} full @param {EngineIndex} index @param {Array<[string, number]>} queue */
  function warmEach(full, index, queue) {
    const [chapter, budget] = queue.shift() ?? ['', 0];
    if (!chapter || !own(index.presets, chapter)) return;
    const spec = JSON.stringify(index.presets[chapter]);
    full.validate(spec);  // what the page asks before every run: its code compiled too
    const lab = full.createLab();
    if (!lab.start(spec).ok) {
      lab.dispose();
      return;
    }
    let units = 4;
    let spent = 0;
    let slices = 0;
    const slice = () => {
      // A run or held messages have the worker: the warming stops (what it compiled stays).
      const busy = activeId !== null || held !== null;
      if (busy || spent >= budget || lab.done()) {
        lab.cancel();
        lab.dispose();
        if (!busy) setTimeout(() => warmEach(full, index, queue), 0);
        return;
      }
      const t0 = now();
      const ok = lab.advance(units).ok;
      // the publish path too (the result's JSON), which a chapter's first chart waits for
      slices += 1;
      if (ok && slices % 4 === 0) lab.resultJson();
      const dt = now() - t0;
      spent = ok ? spent + dt : budget;
      units = adaptUnits(units, dt, Math.min(targetMs, 20));
      setTimeout(slice, 0);
    };
    // (setTimeout, not defer: the worker's defer holds one callback, the runs' next slice)
    setTimeout(slice, 0);
  }

  // The argument comes from a message: its type is what the page sends, checked again here.
  /** @type {{ [F in keyof CallArgs]: (engine: Engine, arg: CallArgs[F] | undefined) => Outcome<CallValues[F]> }} */
  const calls = {
    preset: (engine, arg) => {
      const first = onFirst();
      if (!first || typeof arg !== 'string' || first.chapters.has(arg) || !own(first.index.presets, arg)) return engine.preset(arg);
      return { ok: true, error: '', value: structuredClone(first.index.presets[arg]) };
    },
    validate: (engine, arg) => engine.validate(arg),
    chapters: (engine) => ({ ok: true, error: '', value: chapterList(engine) }),
    provideData: (engine, arg) => keepData(engine, arg),
    // {used, total} bytes of the serving module, and which module that is ('first' or 'full')
    heap: (engine) => {
      const heap = engine.heap();
      return { ok: true, error: '', value: heap && { ...heap, module: onFirst() ? 'first' : 'full' } };
    },
    hasCells: (engine) => ({ ok: true, error: '', value: engine.hasCells() }),
    cells: (engine, arg) => engine.cells(arg),
    merge: (engine, arg) => engine.merge(arg?.spec, arg?.results),
    resultJson: (engine, arg) => {
      const run = arg === undefined ? undefined : runs.get(arg);
      return run ? { ok: true, error: '', value: run.lab.resultJson() } : { ok: false, error: `no run ${arg}`, value: null };
    },
  };

  /** @param {CallMessage} message */
  function call(message) {
    /** @type {Outcome} */
    let outcome;
    const serving = current();
    if (!serving) outcome = { ok: false, error: fullError || 'engine not loaded', value: null };
    // (fn and arg belong together by CallMessage's type; tsc cannot follow that through the table)
    else if (own(calls, message.fn)) outcome = /** @type {(engine: Engine, arg: unknown) => Outcome} */ (calls[message.fn])(serving, message.arg);
    else outcome = { ok: false, error: `unknown call ${message.fn}`, value: null };
    send({ type: fromHost.reply, reqId: message.reqId, outcome });
  }

  // Checks the name against the chapters' needs; the contents are checked when a run starts.
  /** @param {Engine} engine @param {CallArgs['provideData'] | undefined} arg @returns {Outcome<null>} */
  function keepData(engine, arg) {
    const name = String(arg?.name);
    const needed = chapterList(engine).map((c) => requiredData(engine, c)).filter(Boolean);
    if (!needed.includes(name)) return { ok: false, error: `data name "${name}": must be one a chapter needs (${needed.join(', ')})`, value: null };
    if (!(arg?.bytes instanceof Uint8Array)) return { ok: false, error: `data ${name}: bytes must be a Uint8Array`, value: null };
    data.set(name, arg.bytes);
    return { ok: true, error: '', value: null };
  }

  /** @param {Engine} engine @param {StartMessage} message */
  function start(engine, message) {
    dispose(message.runId);
    const lab = engine.createLab();
    /** @type {Run} */
    const run = {
      id: message.runId, lab, state: runState.paused, units: 4, elapsedMs: 0, lastPost: 0,
      publishMs: 0, publishes: 0, publishCost: 0, postEveryMs,
    };
    runs.set(run.id, run);
    for (const [name, bytes] of data) lab.provideData(name, bytes);
    const outcome = lab.start(message.spec);
    if (!outcome.ok) {
      fail(run, outcome.error);
      return;
    }
    if (message.paused) publish(run);
    else activate(run);
  }

  // Dispatch by message type. Messages before the engine is loaded: init and call (which answers
  // "engine not loaded" itself); start needs the engine; the rest act on an existing run, each
  // only in the states where it means something.
  // (A message is data from another thread: a type not listed here is ignored, whatever its name,
  // 'constructor' and '__proto__' too.)
  /** @param {ToHostMessage} message @returns {Promise<void> | void} */
  function handle(message) {
    if (!message || typeof message !== 'object') return;
    if (message.type === toHost.init) return init(message);
    // Waiting for the full module: this message waits behind the ones held already.
    if (held) {
      held.push(message);
      return;
    }
    if (needsFull(message)) {
      if (!fullError) {
        held = [message];
        return releaseHeld();
      }
      // The full module could not load: this message gets that error.
      if (message.type === toHost.call) send({ type: fromHost.reply, reqId: message.reqId, outcome: { ok: false, error: fullError, value: null } });
      else send({ type: fromHost.error, runId: 'runId' in message ? message.runId : undefined, error: fullError });
      return;
    }
    if (message.type === toHost.call) return call(message);
    const serving = current();
    if (!serving) {
      send({ type: fromHost.error, runId: 'runId' in message ? message.runId : undefined, error: fullError || 'engine not loaded' });
      return;
    }
    if (message.type === toHost.start) return start(serving, message);
    const run = runs.get(message.runId);
    if (!run) return;
    switch (message.type) {
      case toHost.resume:
        if (run.state === runState.paused) activate(run);
        break;
      case toHost.pause:
        if (run.state !== runState.running) return;
        run.state = runState.paused;
        if (activeId === run.id) activeId = null;
        publish(run);
        break;
      case toHost.step:
        if (run.state === runState.done || run.state === runState.failed) return;
        step(run, Math.min(Math.max(Number(message.fraction) || 0.01, 0.001), 1));
        break;
      case toHost.cancel:
        dispose(run.id);
        break;
      default:
    }
  }
  return handle;
}
