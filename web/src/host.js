// The engine host: owns the wasm module and the runs, and advances the active run in time slices.
// The same code runs inside the worker and, when no worker can be made, on the main thread.
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

// `defer(fn)` runs the next slice after the messages already queued: setTimeout by default (the
// main thread, where drawing must get its turn); a worker passes a MessageChannel-based one, since
// a chain of setTimeout(0) is clamped to >= 4 ms after five levels (10% of a 40 ms slice lost).
/**
 * @param {(message: FromHostMessage, transfer: Transferable[]) => void} post
 * @param {{ targetMs?: number, postEveryMs?: number, publishShare?: number,
 *           engineOptions?: Omit<NonNullable<Parameters<typeof loadEngine>[0]>, 'moduleUrl'>,
 *           defer?: (fn: () => void) => void }} [options]
 */
export function createHost(post, {
  targetMs = 40, postEveryMs = 100, publishShare = 0.05, engineOptions = {}, defer = /** @type {(fn: () => void) => void} */ ((fn) => { setTimeout(fn, 0); }),
} = {}) {
  /** @type {Engine | null} */
  let engine = null;
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
      engine = await loadEngine({ moduleUrl: message.moduleUrl, ...engineOptions });
      send({ type: fromHost.ready, chapters: engine.chapters() });
    } catch (error) {
      send({ type: fromHost.failed, error: String(/** @type {Error} */ (error)?.message || error) });
    }
  }

  // The argument comes from a message: its type is what the page sends, checked again here.
  /** @type {{ [F in keyof CallArgs]: (engine: Engine, arg: CallArgs[F] | undefined) => Outcome<CallValues[F]> }} */
  const calls = {
    preset: (engine, arg) => engine.preset(arg),
    validate: (engine, arg) => engine.validate(arg),
    chapters: (engine) => ({ ok: true, error: '', value: engine.chapters() }),
    provideData: (engine, arg) => keepData(engine, arg),
    heap: (engine) => ({ ok: true, error: '', value: engine.heap() }),  // {used, total} bytes
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
    if (!engine) outcome = { ok: false, error: 'engine not loaded', value: null };
    // (fn and arg belong together by CallMessage's type; tsc cannot follow that through the table)
    else if (own(calls, message.fn)) outcome = /** @type {(engine: Engine, arg: unknown) => Outcome} */ (calls[message.fn])(engine, message.arg);
    else outcome = { ok: false, error: `unknown call ${message.fn}`, value: null };
    send({ type: fromHost.reply, reqId: message.reqId, outcome });
  }

  // Checks the name against the chapters' needs; the contents are checked when a run starts.
  /** @param {Engine} engine @param {CallArgs['provideData'] | undefined} arg @returns {Outcome<null>} */
  function keepData(engine, arg) {
    const name = String(arg?.name);
    const needed = engine.chapters().map((c) => engine.requiredData(c)).filter(Boolean);
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
  return function handle(message) {
    if (!message || typeof message !== 'object') return;
    if (message.type === toHost.init) return init(message);
    if (message.type === toHost.call) return call(message);
    if (!engine) {
      send({ type: fromHost.error, runId: 'runId' in message ? message.runId : undefined, error: 'engine not loaded' });
      return;
    }
    if (message.type === toHost.start) return start(engine, message);
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
  };
}
